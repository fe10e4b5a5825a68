"""The readiness panel: each catalogue requirement met, missing, expired or abnormal. Pure."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from coxa.catalogue.schema import Requirement
from coxa.pathways.domain import EpisodeState

# Episodes whose readiness the clinic tracks, and may move between listed/optimising/ready.
TRACKED = (EpisodeState.LISTED, EpisodeState.OPTIMISING, EpisodeState.READY, EpisodeState.SCHEDULED)

# Which recorded facts satisfy each requirement code the catalogue uses.
SATISFIED_BY: dict[str, tuple[str, ...]] = {
    "blood-tests": ("haemoglobin",),
    "blood-pressure": ("systolic_bp", "diastolic_bp"),
    "bmi": ("bmi",),
    "hip-imaging": ("imaging",),
    "hip-mri": ("imaging-mri",),
    "acetabular-bone-stock": ("bone-stock",),
    "physical-examination": ("examination",),
    "smoking-status": ("smoking",),
    # The medicines and the history asked with them (stent, diabetes, metal sensitivity).
    "medication-review": ("medications", "history"),
    # NICE NG89 1.1: a VTE and bleeding risk assessment, at pre-assessment or on admission.
    "vte-assessment": ("vte",),
}
# Which readiness rules judge the values behind a requirement (decision engine rule ids).
JUDGED_BY: dict[str, tuple[str, ...]] = {
    "blood-tests": ("readiness.anaemia", "readiness.hba1c"),
    "blood-pressure": ("readiness.blood-pressure",),
    "bmi": ("readiness.bmi",),
    "smoking-status": ("readiness.smoking",),
    "medication-review": (
        "readiness.medicines",
        "readiness.haemoglobinopathy",
        "readiness.heart-valve",
        "readiness.pregnancy",
    ),
}
# Which rules read the facts behind each requirement. When a requirement is missing or out
# of date, the gate names it once; the "not recorded" of each rule it feeds adds nothing.
FEEDS: dict[str, frozenset[str]] = {
    "blood-tests": frozenset({"readiness.anaemia", "readiness.hba1c", "bhr.renal-function"}),
    "blood-pressure": frozenset({"readiness.blood-pressure"}),
    "bmi": frozenset({"readiness.bmi"}),
    "smoking-status": frozenset({"readiness.smoking"}),
    "medication-review": frozenset(
        {
            "readiness.medicines",
            "readiness.hba1c",
            "readiness.haemoglobinopathy",
            "readiness.heart-valve",
            "readiness.pregnancy",
            "bhr.immune-suppression",
            "bhr.metal-sensitivity",
        }
    ),
    "hip-imaging": frozenset(
        {"bhr.diagnosis", "bhr.head-size", "cd.diagnosis", "cd.collapse", "thr.indication"}
    ),
    "hip-mri": frozenset({"cd.diagnosis", "cd.collapse", "cd.lesion-size"}),
    "acetabular-bone-stock": frozenset({"bhr.bone-stock"}),
}
# The action a clinic takes for each gate (decision engine action codes).
GATE_ACTION: dict[str, str] = {
    "readiness.bmi": "weight-management",
    "readiness.blood-pressure": "refer-gp-blood-pressure",
    "readiness.anaemia": "anaemia-work-up",
    "readiness.hba1c": "diabetes-optimisation",
    "readiness.smoking": "stop-smoking",
    "readiness.medicines": "medicine-review",
    "readiness.haemoglobinopathy": "haematology-referral",
    "readiness.heart-valve": "medicine-review",
    "readiness.pregnancy": "pregnancy-review",
}
EXPIRY_WARNING_DAYS = 14  # the worklist's "expiring soon" window (issue 4)


class RequirementStatus(StrEnum):
    MET = "met"
    MISSING = "missing"
    EXPIRED = "expired"  # out of date today, or by the operation day
    ABNORMAL = "abnormal"  # recorded and valid, but a readiness rule says optimise


@dataclass(frozen=True, slots=True)
class RequirementRow:
    """One catalogue requirement of the panel: its status, dates and the action it needs."""

    code: str
    title: str
    status: RequirementStatus
    recorded_on: dt.date | None
    expires_on: dt.date | None
    action: str | None  # what to do about it, for abnormal results
    action_code: str | None
    actioned_on: dt.date | None  # when that action was last recorded

    @property
    def needs_action(self) -> bool:
        return self.status is RequirementStatus.ABNORMAL and self.actioned_on is None


def latest_date(dates: Mapping[str, dt.date | None], facts: tuple[str, ...]) -> dt.date | None:
    """The date a requirement was last satisfied: every fact it needs, the oldest of them."""
    found = [dates.get(fact) for fact in facts]
    if any(d is None for d in found):
        return None
    return min(d for d in found if d is not None)


def assess(
    requirement: Requirement,
    *,
    dates: Mapping[str, dt.date | None],
    abnormal: Mapping[str, str],
    actions: Mapping[str, dt.date],
    today: dt.date,
) -> RequirementRow:
    """The status of one requirement.

    ``dates``: when each fact was last recorded (None: never). ``abnormal``: rule id to the
    action text, for readiness rules whose verdict was "optimise". ``actions``: action code to
    the date it was last recorded.
    """
    recorded_on = latest_date(dates, SATISFIED_BY.get(requirement.code, (requirement.code,)))
    expires_on = recorded_on + dt.timedelta(days=requirement.valid_days) if recorded_on else None
    status, action, action_code, actioned_on = RequirementStatus.MET, None, None, None
    if recorded_on is None:
        status = RequirementStatus.MISSING
    elif expires_on is not None and expires_on < today:
        status = RequirementStatus.EXPIRED
    else:
        for rule_id in JUDGED_BY.get(requirement.code, ()):
            if rule_id in abnormal:
                status, action = RequirementStatus.ABNORMAL, abnormal[rule_id]
                action_code = GATE_ACTION[rule_id]
                taken = actions.get(action_code)
                actioned_on = taken if taken and taken >= recorded_on else None
                break
    return RequirementRow(
        requirement.code,
        requirement.title,
        status,
        recorded_on,
        expires_on,
        action,
        action_code,
        actioned_on,
    )
