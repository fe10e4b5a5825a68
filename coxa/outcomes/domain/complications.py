"""Complications of an operation on the hip: their grade, their outcome, and the checks. Pure.

The types are catalogue data (``complications.yaml``); what is fixed here is the grading
(Clavien-Dindo) and the outcome codes, and the rules a complication must meet before it is
stored. Each problem names its field.

Clavien-Dindo classification: Dindo D, Demartines N, Clavien PA. Classification of surgical
complications: a new proposal with evaluation in a cohort of 6336 patients and results of a
survey. Ann Surg 2004;240:205-213 (clinical-facts 5.1 [H]). The suffix "d" (a complication
still present when the patient leaves hospital, a disability) is a separate flag.

Outcome codes follow HL7 FHIR's AdverseEventOutcome code system
(http://terminology.hl7.org/CodeSystem/adverse-event-outcome: resolved, recovering,
ongoing, resolvedWithSequelae, fatal, unknown), in plain words.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from coxa.core.errors import ErrorCode, Problem
from coxa.outcomes.domain.endpoints import Ends, after_end


class Grade(StrEnum):
    """Clavien-Dindo grades (Dindo et al., Ann Surg 2004;240:205), mildest first."""

    I = "I"  # noqa: E741 - the grade's own name
    II = "II"
    IIIA = "IIIa"
    IIIB = "IIIb"
    IVA = "IVa"
    IVB = "IVb"
    V = "V"

    @property
    def definition(self) -> str:
        return GRADE_DEFINITIONS[self]

    @property
    def label(self) -> str:
        return f"Grade {self.value}: {GRADE_DEFINITIONS[self]}"

    @property
    def severe(self) -> bool:
        """Grade III or worse: it needed an intervention, intensive care, or caused death."""
        return GRADES.index(self) >= GRADES.index(Grade.IIIA)


# Dindo et al., Ann Surg 2004;240:205, table 1, in plain words (clinical-facts 5.1 [H]).
GRADE_DEFINITIONS: dict[Grade, str] = {
    Grade.I: "any change from the normal course after the operation that needed no medicine "
    "beyond anti-sickness drugs, fever and pain relief, diuretics, electrolytes or "
    "physiotherapy, and no operation, endoscopy or radiological procedure (a wound infection "
    "opened at the bedside is grade I)",
    Grade.II: "needed other medicines (for example antibiotics for a wound infection, or "
    "heparin for a clot), a blood transfusion, or feeding into a vein",
    Grade.IIIA: "needed an operation, endoscopy or radiological procedure, not under general "
    "anaesthetic",
    Grade.IIIB: "needed an operation, endoscopy or radiological procedure under general "
    "anaesthetic (for example a return to theatre)",
    Grade.IVA: "life-threatening, needing high-dependency or intensive care, with one organ "
    "failing (dialysis included); a stroke or brain haemorrhage counts here",
    Grade.IVB: "life-threatening, needing intensive care, with more than one organ failing",
    Grade.V: "the patient died of it",
}
GRADES: tuple[Grade, ...] = tuple(Grade)


class Outcome(StrEnum):
    """How the complication ended, or stands (HL7 FHIR AdverseEventOutcome, in words)."""

    RESOLVED = "resolved"
    RECOVERING = "recovering"
    ONGOING = "ongoing"
    RESOLVED_WITH_LASTING_EFFECTS = "resolved-with-lasting-effects"
    DIED = "died"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def fhir_code(self) -> str:
        return FHIR_OUTCOMES[self]


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.RESOLVED: "Resolved",
    Outcome.RECOVERING: "Getting better",
    Outcome.ONGOING: "Ongoing",
    Outcome.RESOLVED_WITH_LASTING_EFFECTS: "Resolved, with lasting effects",
    Outcome.DIED: "The patient died of it",
    Outcome.UNKNOWN: "Not known",
}
FHIR_OUTCOMES: dict[Outcome, str] = {
    Outcome.RESOLVED: "resolved",
    Outcome.RECOVERING: "recovering",
    Outcome.ONGOING: "ongoing",
    Outcome.RESOLVED_WITH_LASTING_EFFECTS: "resolvedWithSequelae",
    Outcome.DIED: "fatal",
    Outcome.UNKNOWN: "unknown",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the checks read about the hip: its procedure, operation day and the patient."""

    procedure: str
    operated_on: dt.date | None  # the signed operation note's day (None: refused before)
    died_on: dt.date | None  # the patient's recorded date of death
    today: dt.date
    converted_on: dt.date | None = None  # the hip's conversion or revision day


@dataclass(frozen=True, slots=True)
class Kind:
    """A complication type as the checks need it (from the catalogue)."""

    code: str
    title: str
    procedures: tuple[str, ...]  # empty: any procedure
    needs_words: bool  # "other": the treatment must say what it was


def problems(
    *,
    kind: Kind | None,
    type_code: str,
    known_types: Sequence[str],
    found_on: dt.date,
    grade: str,
    disability: bool,
    outcome: str,
    description: str,
    facts: Facts,
) -> list[Problem]:
    """Every reason this complication cannot be stored, each on its field (none: it may).

    - found on or after the operation day (a complication of the anaesthetic on the day
      counts: the operation day is included); a hip not yet operated has none, and is
      refused before these checks (``NOT_OPERATED``, a conflict with its state);
    - never in the future, nor after the patient's recorded death;
    - a type the catalogue has, for the hip's procedure; "other" needs its words;
    - a Clavien-Dindo grade; grade V (death) only once the death is recorded, with the
      outcome "died", and "died" only with grade V; no "d" (disability) with grade V;
    - an outcome from the list.
    """
    found: list[Problem] = []
    if kind is None:
        found.append(
            Problem(
                ErrorCode.UNKNOWN_COMPLICATION,
                f"{type_code!r} is not a complication type; give one of {', '.join(known_types)}",
                "type",
            )
        )
    elif kind.procedures and facts.procedure not in kind.procedures:
        found.append(
            Problem(
                ErrorCode.COMPLICATION_NOT_FOR_PROCEDURE,
                f"{kind.title} is not a complication of this hip's operation "
                f"({facts.procedure}); record it as other, in words",
                "type",
            )
        )
    elif kind.needs_words and not description.strip():
        found.append(
            Problem(ErrorCode.REQUIRED, "say in words what the complication was", "description")
        )
    found += _date_problems(found_on, facts)
    found += _grade_problems(grade, disability, outcome, facts)
    return found


def _date_problems(found_on: dt.date, facts: Facts) -> list[Problem]:
    if found_on > facts.today:
        return [
            Problem(
                ErrorCode.DATE_IN_FUTURE, "the day it was found cannot be in the future", "found_on"
            )
        ]
    if facts.operated_on is not None and found_on < facts.operated_on:
        return [
            Problem(
                ErrorCode.BEFORE_OPERATION,
                f"the day it was found is before the operation ({facts.operated_on:%-d %b %Y})",
                "found_on",
            )
        ]
    ended = after_end(found_on, "found_on", Ends(facts.converted_on, facts.died_on))
    return [ended] if ended is not None else []


def _grade_problems(grade: str, disability: bool, outcome: str, facts: Facts) -> list[Problem]:
    found: list[Problem] = []
    graded = grade if grade in {g.value for g in Grade} else None
    if graded is None:
        found.append(
            Problem(
                ErrorCode.UNKNOWN_GRADE,
                f"{grade!r} is not a Clavien-Dindo grade; give one of "
                f"{', '.join(g.value for g in Grade)}",
                "clavien_dindo",
            )
        )
    known_outcome = outcome in {o.value for o in Outcome}
    if not known_outcome:
        found.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                f"{outcome!r} is not an outcome; give one of {', '.join(o.value for o in Outcome)}",
                "outcome",
            )
        )
    if graded == Grade.V:
        if facts.died_on is None:
            found.append(
                Problem(
                    ErrorCode.DEATH_NOT_RECORDED,
                    "grade V means the patient died of it: record the death first",
                    "clavien_dindo",
                )
            )
        if known_outcome and outcome != Outcome.DIED:
            found.append(
                Problem(ErrorCode.INVALID_VALUE, "grade V needs the outcome died", "outcome")
            )
        if disability:
            found.append(
                Problem(
                    ErrorCode.INVALID_VALUE,
                    "the suffix d (still present at discharge) does not go with grade V",
                    "disability",
                )
            )
    elif graded is not None and outcome == Outcome.DIED:
        found.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "a complication the patient died of is grade V",
                "clavien_dindo",
            )
        )
    return found
