"""Anticoagulants before an operation: the plan a clinician records, and what it starts from.

Pure. An anticoagulant is never stopped by policy alone: whenever one is current, the hip is
not ready until a clinician records an anticoagulation plan for it, with

- why it is taken (the indication: atrial fibrillation, a mechanical heart valve, a clot in
  the last three months or earlier, or another reason);
- whether heparin bridging is needed, decided by the clinician (ACCP 2022 advises against
  routine bridging for DOACs and for atrial fibrillation on warfarin; a mechanical valve or
  a recent clot is the clinician's call), with what the bridging is when it is;
- the stop and restart days. Around a high-bleeding-risk operation the catalogue's
  ``anticoagulant_timings`` suggest them by agent and, for dabigatran, by creatinine
  clearance (PAUSE 2019; warfarin from ACCP 2022); a shorter stop needs the reason;
- for a vitamin K antagonist (warfarin), the INR check before the operation.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from coxa.catalogue.schema_medicines import AnticoagulantTiming
from coxa.core.errors import ErrorCode, Problem
from coxa.terminology.codes import ANTICOAGULANTS

Indication = Literal[
    "atrial-fibrillation",
    "mechanical-heart-valve",
    "vte-within-3-months",
    "vte-earlier",
    "other",
]
INDICATION_LABELS = {
    "atrial-fibrillation": "atrial fibrillation",
    "mechanical-heart-valve": "a mechanical heart valve",
    "vte-within-3-months": "a blood clot in the last three months",
    "vte-earlier": "a blood clot more than three months ago",
    "other": "another reason",
}
DABIGATRAN = "B01AE07"  # its stop depends on kidney function (PAUSE)


@dataclass(frozen=True, slots=True)
class AnticoagulationPlan:
    indication: str
    bridging: bool
    bridging_note: str = ""
    creatinine_clearance_ml_min: float | None = None
    inr_check_days_before: int | None = None


def is_anticoagulant(drug_class: str) -> bool:
    return drug_class in ANTICOAGULANTS


def timing_for(
    timings: Sequence[AnticoagulantTiming],
    *,
    drug_class: str,
    atc: str | None,
    creatinine_clearance: float | None,
) -> AnticoagulantTiming | None:
    """The suggested days for this medicine, or None (the clinician sets them).

    A row for the code wins over one for the class; a row that depends on creatinine
    clearance applies only when the clearance is known and in its range.
    """

    def fits(t: AnticoagulantTiming) -> bool:
        if t.creatinine_clearance_from is None and t.creatinine_clearance_below is None:
            return True
        if creatinine_clearance is None:
            return False
        low = t.creatinine_clearance_from
        high = t.creatinine_clearance_below
        return (low is None or creatinine_clearance >= low) and (
            high is None or creatinine_clearance < high
        )

    by_code = [t for t in timings if atc and atc in t.atc and fits(t)]
    if by_code:
        return by_code[0]
    if atc and any(atc in t.atc for t in timings):
        return None  # rows exist for this code, but none fits what is known
    return next((t for t in timings if not t.atc and t.drug_class == drug_class), None)


def plan_problems(
    *,
    drug_class: str,
    atc: str | None,
    action: str,
    days_before: int | None,
    note: str,
    plan: AnticoagulationPlan | None,
    bridging_decided: bool,
    restart_days_after: int | None = None,
    timing: AnticoagulantTiming | None,
) -> list[Problem]:
    """What an anticoagulant's plan must say; nothing may be said for another medicine.

    Field names are those of the clinic's plan entry (``anticoagulant_indication``...).
    """
    if not is_anticoagulant(drug_class):
        if plan is None:
            return []
        return [
            Problem(
                ErrorCode.NOT_ANTICOAGULANT,
                "anticoagulation details are only for an anticoagulant",
                "anticoagulant_indication",
            )
        ]
    problems = []
    if plan is None or not plan.indication:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "say why the anticoagulant is taken (its indication)",
                "anticoagulant_indication",
            )
        )
    if not bridging_decided:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "decide whether heparin bridging is needed (yes or no)",
                "bridging",
            )
        )
    if plan is not None and plan.bridging and not plan.bridging_note.strip():
        problems.append(
            Problem(
                ErrorCode.REQUIRED, "say what the bridging is (drug, dose, days)", "bridging_note"
            )
        )
    problems += _agent_problems(drug_class, atc, plan)
    if action == "continue" and not note.strip():
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                "an anticoagulant taken up to the operation needs the reason in the note",
                "note",
            )
        )
    if timing is not None and action == "stop" and not note.strip():
        problems += _off_timing(timing, days_before, restart_days_after)
    return problems


def _off_timing(
    timing: AnticoagulantTiming, days_before: int | None, restart: int | None
) -> list[Problem]:
    """A stop shorter than the usual, or a restart outside its range, needs the reason."""
    problems = []
    if days_before is not None and days_before < timing.days_before:
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                f"the usual stop is {timing.days_before} days before this operation; give the "
                f"reason for {days_before} in the note",
                "note",
            )
        )
    low, high = timing.restart_days_after, timing.restart_days_after_latest
    if restart is not None and not low <= restart <= high:
        span = f"{low}" if low == high else f"{low} to {high}"
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                f"the usual restart is {span} days after this operation; give the reason for "
                f"{restart} in the note",
                "note",
            )
        )
    return problems


def _agent_problems(
    drug_class: str, atc: str | None, plan: AnticoagulationPlan | None
) -> list[Problem]:
    """What the agent itself needs: kidney function for dabigatran, an INR for warfarin."""
    problems = []
    clearance = plan.creatinine_clearance_ml_min if plan else None
    if drug_class == "doac" and clearance is None:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "a DOAC's stop depends on kidney function: give the creatinine clearance "
                "(Cockcroft-Gault, not eGFR)",
                "creatinine_clearance_ml_min",
            )
        )
    inr = plan.inr_check_days_before if plan else None
    if drug_class == "vitamin-k-antagonist" and inr is None:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "plan the INR check before the operation (days before it)",
                "inr_check_days_before",
            )
        )
    if drug_class != "vitamin-k-antagonist" and inr is not None:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "an INR check is planned only for a vitamin K antagonist (warfarin)",
                "inr_check_days_before",
            )
        )
    return problems


def needs_anticoagulation_plan(drug_class: str, plan: AnticoagulationPlan | None) -> str:
    """Why a clinician's plan for this medicine does not yet count ('' when it does)."""
    if is_anticoagulant(drug_class) and (plan is None or not plan.indication):
        return "the plan does not record the indication and whether bridging is needed"
    return ""
