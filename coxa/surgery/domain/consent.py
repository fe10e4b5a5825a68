"""Consent to the operation: what a consent must record to stand, and when it is current. Pure.

A consent names the operation and the hip (both must be the episode's), the risks discussed
(every material risk of the procedure in the catalogue, and only its risks), the choices
discussed (every one the catalogue says must be, and only its choices), the version of the
patient information given (the catalogue's), and when it was taken (not in the future, not
before the hip was referred). A new consent supersedes the current one; a withdrawn consent
is no consent. Booking needs a current consent for the episode's procedure and side.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from coxa.catalogue.schema import Procedure, Risk
from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE, Moment, Note

CatalogueCode = Annotated[str, Field(min_length=1, max_length=60), STORABLE]
# The episode states in which consent is taken or withdrawn: before the operation, open.
CONSENTABLE = ("referred", "assessed", "listed", "optimising", "ready", "scheduled")
NOT_KNOWN = "not known"  # how a risk with no published figure shows its frequency


class ConsentIn(BaseModel):
    """A consent as the surgeon records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    procedure: Annotated[str, Field(min_length=1, max_length=40), STORABLE]
    side: Annotated[str, Field(min_length=1, max_length=16), STORABLE]
    risks: Annotated[list[CatalogueCode], Field(max_length=40)]  # the risks discussed
    alternatives: Annotated[list[CatalogueCode], Field(max_length=20)]  # the choices discussed
    information_version: Annotated[str, Field(min_length=1, max_length=20), STORABLE]
    taken_at: Moment  # when consent was taken, with its UTC offset
    note: Note = ""  # anything else discussed, the patient's questions


@dataclass(frozen=True)
class ConsentContext:
    """What a consent is checked against: the episode and the catalogue's procedure."""

    procedure: Procedure
    side: str
    referred_on: dt.date
    now: dt.datetime


def _named(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def _coded_problems(entry: ConsentIn, procedure: Procedure) -> list[Problem]:
    problems = []
    risks = {r.code for r in procedure.risks}
    unknown = [c for c in entry.risks if c not in risks]
    if unknown:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_RISK,
                f"not a risk of {procedure.title} in the catalogue: {_named(unknown)}",
                "risks",
            )
        )
    missing = [r.title for r in procedure.material_risks if r.code not in entry.risks]
    if missing:
        problems.append(
            Problem(
                ErrorCode.MATERIAL_RISK_MISSING,
                f"every material risk must be discussed; not recorded: {'; '.join(missing)}",
                "risks",
            )
        )
    choices = {a.code for a in procedure.alternatives}
    unknown = [c for c in entry.alternatives if c not in choices]
    if unknown:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_ALTERNATIVE,
                f"not an alternative to {procedure.title} in the catalogue: {_named(unknown)}",
                "alternatives",
            )
        )
    missing = [
        a.title
        for a in procedure.alternatives
        if a.must_discuss and a.code not in entry.alternatives
    ]
    if missing:
        problems.append(
            Problem(
                ErrorCode.ALTERNATIVE_MISSING,
                f"these alternatives must be discussed; not recorded: {'; '.join(missing)}",
                "alternatives",
            )
        )
    return problems


def consent_problems(entry: ConsentIn, context: ConsentContext) -> list[Problem]:
    """Everything that stops this consent standing, each naming its field; [] when it stands."""
    procedure = context.procedure
    problems = []
    if entry.procedure != procedure.code:
        problems.append(
            Problem(
                ErrorCode.PROCEDURE_MISMATCH,
                f"this hip is listed for {procedure.title} ({procedure.code}), not "
                f"{entry.procedure}",
                "procedure",
            )
        )
    if entry.side != context.side:
        problems.append(
            Problem(
                ErrorCode.SIDE_MISMATCH,
                f"this is the {context.side} hip's episode, not the {entry.side}",
                "side",
            )
        )
    problems += _coded_problems(entry, procedure)
    given = procedure.patient_information.version
    if entry.information_version != given:
        problems.append(
            Problem(
                ErrorCode.INFORMATION_VERSION,
                f"the patient information for {procedure.title} is version {given}, not "
                f"{entry.information_version}",
                "information_version",
            )
        )
    if entry.taken_at > context.now:
        problems.append(
            Problem(ErrorCode.DATE_IN_FUTURE, "consent cannot be taken in the future", "taken_at")
        )
    elif entry.taken_at.date() < context.referred_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_EPISODE,
                f"consent taken before the hip was referred ({context.referred_on:%-d %b %Y})",
                "taken_at",
            )
        )
    return problems


def discussed_risks(entry: ConsentIn, procedure: Procedure) -> list[dict[str, str]]:
    """The risks discussed as the catalogue words them now, kept with the consent for good."""
    return [
        {"code": r.code, "title": r.title, "frequency": frequency_of(r), "discussed": r.discussed}
        for r in procedure.risks
        if r.code in entry.risks
    ]


def discussed_alternatives(entry: ConsentIn, procedure: Procedure) -> list[dict[str, str]]:
    return [
        {"code": a.code, "title": a.title}
        for a in procedure.alternatives
        if a.code in entry.alternatives
    ]


def frequency_of(risk: Risk) -> str:
    return risk.frequency.text if risk.frequency is not None else NOT_KNOWN


def covers_restricted_size(risks: Sequence[dict[str, str]]) -> bool:
    """Whether a consent's risks include a restricted head size's (the override's link)."""
    return any(r.get("discussed") == "restricted-head-size" for r in risks)


@dataclass(frozen=True)
class ConsentFacts:
    """What booking reads of an episode's current consent (None: there is none)."""

    procedure: str
    side: str


def booking_consent_problems(
    current: ConsentFacts | None, *, procedure: str, side: str, withdrawn: bool
) -> list[Problem]:
    """Booking needs a current consent for this procedure and this side."""
    if current is not None and current.procedure == procedure and current.side == side:
        return []
    why = (
        "the patient withdrew their consent"
        if withdrawn
        else "no consent is recorded"
        if current is None
        else f"the consent recorded is for the {current.side} hip's {current.procedure}"
    )
    return [
        Problem(
            ErrorCode.NO_CONSENT,
            f"the operation cannot be booked: {why}. A surgeon records the patient's consent "
            "on the operation page first.",
            "consent",
        )
    ]
