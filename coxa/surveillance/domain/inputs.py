"""What staff and other systems send to record surveillance (pure pydantic shapes).

The API's bodies are these; the pages' forms build them. Shape only: what needs the record
(a day after the hip's end, a sample offered as whole blood that is not) is the services'.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from coxa.catalogue.schema_surveillance import ImplantClass
from coxa.core.inputs import STORABLE, Day, Label, Measure, Note, Reason
from coxa.surveillance.domain.imaging import Modality, Seen
from coxa.surveillance.domain.recommend import Answer
from coxa.surveillance.domain.results import Matrix

Text = Annotated[str, StringConstraints(max_length=120), STORABLE]


class Strict(BaseModel):
    # Validators built on first use, not as Coxa loads (catalogue.schema_base.Strict).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class LevelIn(Strict):
    """One metal's level as the laboratory reported it."""

    # A number, never a string or true/false: a laboratory value is not coerced.
    value: Annotated[Measure, Field(strict=True)]
    unit: Annotated[str, StringConstraints(min_length=1, max_length=8)]


class MetalIonsIn(Strict):
    sampled_on: Day
    matrix: Matrix
    cobalt: LevelIn | None = None
    chromium: LevelIn | None = None
    laboratory: Annotated[Text, StringConstraints(min_length=1)]
    # The sample tube, when the laboratory gives it (results.TUBES): a serum tube can never
    # give a whole-blood result.
    tube: Literal["edta", "trace-element", "lithium-heparin", "serum", ""] = ""


class ImagingIn(Strict):
    performed_on: Day
    modality: Modality
    fluid_collection: Seen = Seen.NOT_ASSESSED
    solid_mass: Seen = Seen.NOT_ASSESSED
    muscle_involvement: Seen = Seen.NOT_ASSESSED
    bone_involvement: Seen = Seen.NOT_ASSESSED
    very_large: bool = False
    size_mm: Annotated[float, Field(gt=0, le=400, allow_inf_nan=False)] | None = None
    classification_system: Literal["hauptfleisch", "anderson", "other", ""] = ""
    classification: Annotated[str, StringConstraints(max_length=40), STORABLE] = ""
    xray: dict[Annotated[str, StringConstraints(max_length=40)], Seen] = Field(default_factory=dict)
    report: Note = ""


class ReviewIn(Strict):
    reviewed_on: Day
    symptoms: dict[Annotated[str, StringConstraints(max_length=20)], Answer] = Field(
        default_factory=dict
    )
    # "follow": the recommendation is the plan; otherwise the plan chosen, with the reason.
    plan: Literal["follow", "routine", "repeat-bloods", "image", "refer-revision"] = "follow"
    plan_reason: Reason = ""


class ImplantIn(Strict):
    component: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    manufacturer: Text = ""
    product: Annotated[Text, StringConstraints(min_length=1)]
    lot: Annotated[str, StringConstraints(max_length=60), STORABLE] = ""


class EnrolIn(Strict):
    """A hip operated before Coxa or elsewhere, enrolled by hand with what is known."""

    side: Literal["left", "right"]
    implant: ImplantClass
    head_mm: Annotated[float, Field(ge=20, le=70, allow_inf_nan=False)] | None = None
    operated_on: Day | None = None
    operated_where: Label = ""
    implants: list[ImplantIn] = Field(default_factory=list, max_length=6)


class RecallContactIn(Strict):
    product: Annotated[Text, StringConstraints(min_length=1)]
    lot: Annotated[str, StringConstraints(max_length=60), STORABLE] = ""
    notice: Annotated[Text, StringConstraints(min_length=1)]
    method: Literal["phone", "letter", "email", "in-person"]
    contacted_on: Day
    note: Note = ""


class StrikeOutIn(Strict):
    reason: Annotated[Reason, StringConstraints(min_length=1)]
