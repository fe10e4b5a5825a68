"""The patient banner as data: who this is, which hip, allergies and alerts. Pure.

Unknown is never normal (hazard H74): "No known allergies" only when a clinician recorded
that the patient has none and no active allergy is held since; with nothing asked the
banner says "Allergies not recorded".
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class AllergyState(StrEnum):
    LISTED = "listed"  # active allergies are held: the banner names them
    NONE_KNOWN = "none-known"  # asked, and the patient has none
    NOT_RECORDED = "not-recorded"  # never asked: unknown

    @property
    def label(self) -> str:
        return {
            AllergyState.LISTED: "Allergies",
            AllergyState.NONE_KNOWN: "No known allergies",
            AllergyState.NOT_RECORDED: "Allergies not recorded",
        }[self]


@dataclass(frozen=True, slots=True)
class AllergyShown:
    substance: str
    reaction: str = ""
    coded: bool = True  # from the coded list (SNOMED CT), or typed in words


@dataclass(frozen=True, slots=True)
class Allergies:
    state: AllergyState
    listed: tuple[AllergyShown, ...] = ()
    reviewed_on: dt.date | None = None  # when "none known" was recorded


def allergies(active: list[AllergyShown], *, none_known_on: dt.date | None) -> Allergies:
    """What the banner says of allergies.

    ``active`` are the patient's current active allergies (the newest entry for each
    substance); ``none_known_on`` the day of the newest allergy review, when it recorded
    none known. An active allergy is always shown, whatever a review said.
    """
    if active:
        return Allergies(AllergyState.LISTED, tuple(active))
    if none_known_on is not None:
        return Allergies(AllergyState.NONE_KNOWN, reviewed_on=none_known_on)
    return Allergies(AllergyState.NOT_RECORDED)


class AlertKind(StrEnum):
    DECEASED = "deceased"
    CANDIDACY = "candidacy"  # not a candidate, or a caution no surgeon has acknowledged
    MEDICINE = "medicine"  # an antiplatelet or anticoagulant waiting for a decision
    STENT = "stent"
    SURVEILLANCE = "surveillance"  # a metal-on-metal surveillance flag


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    text: str


@dataclass(frozen=True, slots=True)
class Banner:
    """Everything the banner shows; the hip's part is empty when the page is the patient's."""

    name: str  # "FAMILY, Given"
    age: int
    born: dt.date
    nhs_number: str  # 3-3-4, "" when none
    hospital_number: str
    allergies: Allergies
    alerts: tuple[Alert, ...]
    side: str = ""
    procedure: str = ""
    state: str = ""  # the episode's state in words


# Medicine classes (in words, terminology.codes.CLASS_LABELS) the banner raises when a
# clinician's decision is pending: bleeding at the operation (antiplatelet, anticoagulant).
BLEEDING_CLASSES = ("antiplatelet", "anticoagulant")


def alerts(
    *,
    died_on: dt.date | None,
    contraindicated: bool,
    cautions: tuple[str, ...],
    pending: tuple[str, ...],
    stent: bool,
    flagged_on: dt.date | None,
) -> tuple[Alert, ...]:
    """The banner's alerts, most serious first."""
    found = []
    if died_on is not None:
        found.append(Alert(AlertKind.DECEASED, f"Died {died_on:%-d %b %Y}"))
    if contraindicated:
        found.append(Alert(AlertKind.CANDIDACY, "Not a candidate for this procedure"))
    if cautions:
        n = len(cautions)
        found.append(
            Alert(
                AlertKind.CANDIDACY,
                f"{n} caution{'s' if n > 1 else ''} not acknowledged by a surgeon",
            )
        )
    if pending:
        found.append(
            Alert(
                AlertKind.MEDICINE,
                f"Decision needed before surgery: {', '.join(sorted(set(pending)))}",
            )
        )
    if stent:
        found.append(Alert(AlertKind.STENT, "Coronary stent or recent heart attack recorded"))
    if flagged_on is not None:
        found.append(
            Alert(
                AlertKind.SURVEILLANCE,
                f"Metal-on-metal surveillance flag since {flagged_on:%-d %b %Y}",
            )
        )
    return tuple(found)
