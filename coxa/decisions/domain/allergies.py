"""Allergies as the decision document gives them and as the rules read them. Pure.

An allergy has its substance in words and, when coded, a SNOMED CT substance code from
Coxa's table (``coxa/terminology/codes.py``); a code the table does not have is reported,
never guessed. Only an active allergy counts as present: refuted ones never decide anything,
and inactive or unconfirmed ones are kept for the rules that must not let them pass unseen
(a metal allergy, ``rules/bhr.py``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE
from coxa.terminology.codes import TABLE_VERSION, substance_of

# An allergy's clinical status as the clinic records it (FHIR's clinical status "active" or
# "inactive"; verification "refuted": the patient was tested and is not allergic).
AllergyStatus = Literal["active", "inactive", "refuted"]
# What a decision document may also say of an allergy another system recorded: "unconfirmed"
# (FHIR R4 verification status: "a low level of certainty about the propensity for a
# reaction"), read by the CDS service from an EHR's AllergyIntolerance.
DocumentAllergyStatus = Literal["active", "unconfirmed", "inactive", "refuted"]


class DocumentAllergyIn(BaseModel):
    """An allergy: its substance in words and, when coded, its SNOMED CT substance code.

    A plain string in ``allergies`` is read as an active allergy that is not coded.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    substance: Annotated[str, Field(min_length=1, max_length=120), STORABLE]
    code: Annotated[str, Field(pattern=r"^[0-9]{6,18}$")] | None = None  # SNOMED CT id
    status: DocumentAllergyStatus = "active"
    reaction: Annotated[str, Field(max_length=200), STORABLE] = ""


@dataclass(frozen=True, slots=True)
class Allergy:
    """An allergy as the rules read it: ``means`` is Coxa's name for a coded substance."""

    substance: str
    means: str | None = None  # e.g. "nickel"; None when not coded
    status: str = "active"  # active | unconfirmed | inactive | refuted

    @property
    def current(self) -> bool:
        return self.status == "active"


def read_allergy(allergy: str | DocumentAllergyIn) -> Allergy:
    if isinstance(allergy, str):
        return Allergy(allergy.strip())
    means = None if allergy.code is None else substance_of(allergy.code)
    return Allergy(allergy.substance.strip(), means, allergy.status)


def allergy_problems(allergies: Sequence[str | DocumentAllergyIn] | None) -> list[Problem]:
    """A code is read only when Coxa's table has it: an unknown one is reported, not guessed."""
    return [
        Problem(
            ErrorCode.UNKNOWN_CODE,
            f"SNOMED CT {a.code} is not a substance in Coxa's table ({TABLE_VERSION}): give "
            "the allergy without a code (it then counts as not coded) or use a listed code",
            f"allergies.{index}.code",
        )
        for index, a in enumerate(allergies or ())
        if isinstance(a, DocumentAllergyIn) and a.code is not None and substance_of(a.code) is None
    ]
