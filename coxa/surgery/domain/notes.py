"""The operation note as a surgeon writes it: its parts, its context, its fingerprint. Pure.

What makes a note impossible or incomplete is in ``domain/note_checks.py``.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from coxa.catalogue.schema import Procedure
from coxa.core.inputs import STORABLE, Day, Note
from coxa.surgery.domain.prophylaxis import ProphylaxisIn

Text = Note  # at most 4,000 characters, storable
Short = Annotated[str, Field(max_length=120), STORABLE]


class Anaesthetic(StrEnum):
    GENERAL = "general"
    SPINAL = "spinal"


class Approach(StrEnum):
    POSTERIOR = "posterior"
    LATERAL = "lateral"
    ANTERIOR = "anterior"
    ANTEROLATERAL = "anterolateral"


class Component(StrEnum):
    FEMORAL = "femoral"
    ACETABULAR = "acetabular"
    STEM = "stem"
    HEAD = "head"
    LINER = "liner"
    SHELL = "shell"


REPLACEMENT_COMPONENTS = (Component.STEM, Component.HEAD, Component.LINER, Component.SHELL)


class ImplantIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    component: Component
    manufacturer: Annotated[str, Field(min_length=1, max_length=120), STORABLE]
    product: Short = ""
    size_mm: float | None = Field(default=None, gt=0, le=100)
    lot: Annotated[str, Field(min_length=1, max_length=60), STORABLE]
    udi: Annotated[str, Field(max_length=200), STORABLE] = ""  # as scanned, when scanned
    # The catalogue's code, for a restricted size.
    size_reason_code: Annotated[str, Field(max_length=60), STORABLE] = ""
    size_reason: Text = ""  # the surgeon's words beside the coded reason


class OperationNoteIn(BaseModel):
    """The note as the surgeon writes it (a draft until signed)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operated_on: Day
    started_at: dt.time
    ended_at: dt.time
    side: Annotated[str, Field(max_length=16), STORABLE]
    procedure: Annotated[str, Field(max_length=40), STORABLE]
    assistants: Annotated[list[Short], Field(max_length=10)] = []
    anaesthetic: Anaesthetic
    approach: Approach | None = None
    approach_reason: Text = ""
    implants: Annotated[list[ImplantIn], Field(max_length=12)] = []
    # Fewer than one is refused with the note's other problems; more than 50 is a typing error.
    drill_passes: int | None = Field(default=None, le=50)
    graft_used: bool | None = None
    graft_product: Short = ""
    findings: Text = ""
    events: Text = ""
    # Why the operation was on another day than the one booked (the booking is re-dated
    # to the note's day when it is signed).
    date_change_reason: Text = ""
    # The VTE prophylaxis prescribed (catalogue ``vte-prophylaxis``; domain/prophylaxis.py).
    vte_prophylaxis: ProphylaxisIn | None = None


def draft_hash(note: OperationNoteIn, surgeon: str) -> str:
    """A fingerprint of a draft: signing refuses a draft other than the one on screen."""
    content = {"note": note.model_dump(mode="json"), "surgeon": surgeon}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def overrides(note: OperationNoteIn) -> list[int]:
    """The implant rows that use a restricted size under a coded reason."""
    return [i for i, implant in enumerate(note.implants) if implant.size_reason_code]


@dataclass(frozen=True)
class NoteContext:
    """What the note is checked against."""

    side: str
    procedure: Procedure
    listed_on: dt.date | None  # the day the episode was listed for surgery
    today: dt.date
    thresholds: Mapping[str, float]
    templated_head_mm: float | None  # the newest templated head size from imaging
    stocked_sizes_mm: Mapping[str, tuple[float, float]]  # resurfacing component -> range
    sex: str = ""  # the patient's recorded sex
    now: dt.time | None = None  # the local time now (a note of today ends before it)
    booked_on: dt.date | None = None  # the day the operation is booked for
    cups_for_head_mm: Mapping[float, tuple[float, ...]] | None = None  # the sizing chart
    # code -> the restrictions ("downsizing-only", "contraindicated") the reason may answer
    override_reasons: Mapping[str, tuple[str, ...]] | None = None
