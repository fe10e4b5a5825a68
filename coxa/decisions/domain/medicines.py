"""Medicines before the operation: what to do with each, and on which days. Pure.

The one function every reader uses: the engine's actions and readiness rule, the readiness
panel, the API and the patient's letter all show what ``medicine_stops`` returns.

- The catalogue's policy (setting ``medication_stop_policy``) gives the advice for a class of
  medicine, or for coded medicines within a class (aspirin on the source page).
- An antiplatelet medicine is never given a stop date from the policy (clinical-facts 3.6,
  design note: never auto-stop antiplatelets after coronary stents or recent ACS) when it is
  taken for a coronary stent, a recent coronary syndrome, a stroke or TIA, or peripheral
  arterial disease; when why it is taken is not recorded (or recorded as "other"); or when
  the history records a coronary stent or recent heart attack, or does not say. A clinician
  decides instead.
- "review" advice means the same: a clinician decides. Until they record a plan for the
  medicine it has no stop date, and readiness is not "ready".
- A clinician's recorded plan (continue, or stop so many days before) replaces the policy.
- A medicine that is not coded is never judged by the words typed for it: whatever class was
  given, a clinician decides (it could be an antiplatelet or an anticoagulant).
- An anticoagulant (of any kind) always needs a clinician's anticoagulation plan
  (``anticoagulation.py``); the catalogue's timings for the agent are shown as the
  suggestion the plan starts from. A plan without the indication and bridging does not count.
- A kind of a class (a DOAC, say) takes its class's advice when it has none of its own.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from coxa.catalogue.schema_medicines import AnticoagulantTiming, MedicationStop
from coxa.decisions.domain.anticoagulation import INDICATION_LABELS as INDICATION_LABELS_AC
from coxa.decisions.domain.anticoagulation import (
    AnticoagulationPlan,
    is_anticoagulant,
    needs_anticoagulation_plan,
    timing_for,
)
from coxa.decisions.domain.document import Medication
from coxa.terminology.codes import CLASS_LABELS, family_of

VASCULAR = frozenset(
    {"coronary-stent", "acute-coronary-syndrome", "stroke-or-tia", "peripheral-arterial-disease"}
)
INDICATION_LABELS = {
    "coronary-stent": "a coronary stent",
    "acute-coronary-syndrome": "a recent coronary syndrome",
    "stroke-or-tia": "a stroke or TIA",
    "peripheral-arterial-disease": "peripheral arterial disease",
    "primary-prevention": "prevention (no heart or artery disease)",
    "other": "another reason",
}

# The guard's source: clinical-facts 3.6, on ACCP 2022's advice for antithrombotic therapy.
GUARD_SOURCES = ("accp-2022",)

Advice = Mapping[tuple[str, str | None], MedicationStop]  # (class, ATC or None) -> advice


def advice_for(
    stops: tuple[MedicationStop, ...], policy: str, procedure: str
) -> dict[tuple[str, str | None], MedicationStop]:
    """The policy's advice for a procedure, keyed by class and by coded medicine in a class.

    Advice limited to some procedures (its source speaks only for them) is left out for the
    others, which then get their class's advice.
    """
    table: dict[tuple[str, str | None], MedicationStop] = {}
    for stop in stops:
        if stop.policy != policy or (stop.procedures and procedure not in stop.procedures):
            continue
        if stop.atc:
            table.update({(stop.drug_class, code): stop for code in stop.atc})
        else:
            table[(stop.drug_class, None)] = stop
    return table


@dataclass(frozen=True, slots=True)
class MedicineStop:
    medication: str
    drug_class: str
    action: str  # stop | continue | review (a clinician decides)
    stop_on: dt.date | None
    restart_on: dt.date | None
    advice: str
    sources: tuple[str, ...]
    decided: bool  # from a clinician's recorded plan, not the policy
    why_review: str = ""  # why the policy's stop was not applied
    known_on: dt.date | None = None  # when the medicine (or its plan) was last recorded
    suggestion: str = ""  # an anticoagulant's usual days around this operation
    suggested_days_before: int | None = None
    suggested_restart_days_after: int | None = None
    anticoagulation: AnticoagulationPlan | None = None  # the clinician's, once recorded
    inr_check_on: dt.date | None = None  # warfarin: the planned INR check

    @property
    def late(self) -> bool:
        """Its stop day had passed before anyone knew to stop it (recorded too late)."""
        return (
            self.stop_on is not None
            and self.known_on is not None
            and (self.known_on > self.stop_on)
        )

    @property
    def class_label(self) -> str:
        return CLASS_LABELS.get(self.drug_class, self.drug_class)

    @property
    def anticoagulation_summary(self) -> str:
        """The clinician's anticoagulation plan in a sentence ('' when there is none)."""
        plan = self.anticoagulation
        if plan is None:
            return ""
        bridging = f"bridging: {plan.bridging_note}" if plan.bridging else "no bridging"
        clearance = (
            f"; creatinine clearance {plan.creatinine_clearance_ml_min:g} mL/min"
            if plan.creatinine_clearance_ml_min is not None
            else ""
        )
        why = INDICATION_LABELS_AC.get(plan.indication, plan.indication)
        return f"Taken for {why}; {bridging}{clearance}."

    @property
    def last_dose_on(self) -> dt.date | None:
        """The day before the stop day: the patient's letter names it."""
        return self.stop_on - dt.timedelta(days=1) if self.stop_on else None

    @property
    def needs_decision(self) -> bool:
        """A clinician must record a plan before the hip can be ready."""
        return self.action == "review" and not self.decided

    def as_dict(self) -> dict[str, object]:
        return {
            "medication": self.medication,
            "class": self.drug_class,
            "action": self.action,
            "stop_on": self.stop_on.isoformat() if self.stop_on else None,
            "restart_on": self.restart_on.isoformat() if self.restart_on else None,
            "advice": self.advice,
            "sources": list(self.sources),
            "decided": self.decided,
            "needs_decision": self.needs_decision,
            "why_review": self.why_review,
            "late": self.late,
            "suggestion": self.suggestion,
            "suggested_days_before": self.suggested_days_before,
            "suggested_restart_days_after": self.suggested_restart_days_after,
            "anticoagulation": None
            if self.anticoagulation is None
            else {
                "indication": self.anticoagulation.indication,
                "bridging": self.anticoagulation.bridging,
                "bridging_note": self.anticoagulation.bridging_note,
                "creatinine_clearance_ml_min": self.anticoagulation.creatinine_clearance_ml_min,
                "inr_check_days_before": self.anticoagulation.inr_check_days_before,
            },
            "inr_check_on": self.inr_check_on.isoformat() if self.inr_check_on else None,
        }


def _guard(medicine: Medication, vascular_history: bool | None) -> str:
    """Why a policy stop must not be applied to an antiplatelet medicine ('' if it may)."""
    if medicine.indication is None:
        return "why it is taken is not recorded"
    if medicine.indication != "primary-prevention":
        return f"it is taken for {INDICATION_LABELS[medicine.indication]}"
    if vascular_history is None:
        return "whether there is a coronary stent or a recent heart attack is not recorded"
    if vascular_history:
        return "heart or artery disease (a stent, a recent heart attack or a stroke) is recorded"
    return ""


def _days(on: dt.date | None, days: int | None, sign: int) -> dt.date | None:
    return None if on is None or days is None else on + dt.timedelta(days=sign * days)


def _policy(medicine: Medication, advice: Advice) -> MedicationStop | None:
    cls = medicine.drug_class
    return (
        advice.get((cls, medicine.atc))
        or advice.get((cls, None))
        or advice.get((family_of(cls), None))
    )


def medicine_stops(
    medications: tuple[Medication, ...] | None,
    *,
    vascular_history: bool | None,
    advice: Advice,
    operation_on: dt.date | None,
    timings: tuple[AnticoagulantTiming, ...] = (),
) -> tuple[MedicineStop, ...]:
    """What to do with each medicine that has advice, with its dates from the operation day.

    A vascular reason recorded for any medicine (clopidogrel for a stent, say) counts for the
    others too: the patient has that disease whichever medicine it was written against.
    """
    if any(m.indication in VASCULAR for m in medications or ()):
        vascular_history = True
    return tuple(
        stop
        for medicine in medications or ()
        if (stop := _stop(medicine, vascular_history, advice, operation_on, timings)) is not None
    )


def _suggested(
    medicine: Medication,
    anticoagulation: AnticoagulationPlan | None,
    timings: tuple[AnticoagulantTiming, ...],
) -> tuple[AnticoagulantTiming | None, str]:
    """The anticoagulant's usual days, and the words shown for them.

    While the kidney function is not known and it decides, each row for the agent is shown.
    """
    clearance = anticoagulation.creatinine_clearance_ml_min if anticoagulation else None
    timing = timing_for(
        timings, drug_class=medicine.drug_class, atc=medicine.atc, creatinine_clearance=clearance
    )
    if timing is not None:
        return timing, timing.text
    if clearance is None:
        rows = [t for t in timings if medicine.atc and medicine.atc in t.atc]
        return None, " ".join(t.text for t in rows)
    return None, ""


def _stop(
    medicine: Medication,
    vascular_history: bool | None,
    advice: Advice,
    operation_on: dt.date | None,
    timings: tuple[AnticoagulantTiming, ...],
) -> MedicineStop | None:
    policy = _policy(medicine, advice)
    if policy is None and medicine.plan is None and medicine.coded:
        return None
    action: str = policy.action if policy else "review"
    text = policy.text if policy else "A clinician decides about this medicine."
    sources = tuple(policy.sources) if policy else ()
    days_before = policy.days_before if policy else None
    restart = policy.restart_days_after if policy else None
    why = ""
    if not medicine.coded:
        why = "it is not coded, so what it is cannot be read"
        action, days_before, sources = "review", None, ()
        text = (
            "Not coded: choose it from the list of medicines, or a clinician decides whether "
            "it stops."
        )
    elif medicine.drug_class == "antiplatelet" and action == "stop":
        why = _guard(medicine, vascular_history)
        if why:
            action = "review"
            text = f"Not stopped by the usual rule because {why}: a clinician decides."
            days_before = None
            sources = GUARD_SOURCES
    plan = medicine.plan
    anticoagulation = plan.anticoagulation if plan else None
    timing, suggestion = None, ""
    if is_anticoagulant(medicine.drug_class):
        action, days_before, restart = "review", None, None
        timing, suggestion = _suggested(medicine, anticoagulation, timings)
        if timing is not None:
            sources = tuple(dict.fromkeys((*sources, *timing.sources)))
    incomplete = needs_anticoagulation_plan(medicine.drug_class, anticoagulation)
    decided = plan is not None and not incomplete
    if plan is not None and incomplete:
        why = incomplete
    if decided and plan is not None:
        action, days_before, restart = plan.action, plan.days_before, plan.restart_days_after
        text = (
            f"Stop {days_before} days before the operation, as a clinician decided."
            if action == "stop"
            else "Keep taking it, as a clinician decided."
        )
    stop_on = _days(operation_on, days_before, -1) if action == "stop" else None
    inr_days = anticoagulation.inr_check_days_before if decided and anticoagulation else None
    return MedicineStop(
        medication=medicine.name,
        drug_class=medicine.drug_class,
        action=action,
        stop_on=stop_on,
        restart_on=_days(operation_on, restart, +1),
        advice=text,
        sources=sources,
        decided=decided,
        why_review=why,
        known_on=max(
            (d for d in (medicine.recorded_on, plan.decided_on if plan else None) if d),
            default=None,
        ),
        suggestion=suggestion,
        suggested_days_before=timing.days_before if timing else None,
        suggested_restart_days_after=timing.restart_days_after if timing else None,
        anticoagulation=anticoagulation if decided else None,
        inr_check_on=_days(operation_on, inr_days, -1),
    )


def late_stops(stops: tuple[MedicineStop, ...], today: dt.date) -> tuple[MedicineStop, ...]:
    """Stops whose date has already passed: booked too late to stop in time."""
    return tuple(s for s in stops if s.stop_on is not None and s.stop_on < today)
