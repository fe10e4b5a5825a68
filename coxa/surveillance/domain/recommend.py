"""The recommendation a surveillance review ends with, explained (pure; issue 15, ADR 0024).

The same explainable form as the decision engine: each reason names its rule, the table's
version, its sources and the facts it used. The headline is the most serious action:
refer to discuss revision, then image, then repeat the bloods; "complete the check" when
nothing calls for action but something the check needs is missing (unknown is never
normal); "continue routine surveillance" only when every fact is known and none is of concern.

Sources: MHRA MDA/2015/024 (the BHR table: a first result above 7 µg/L is repeated after 3
months; consider revision if imaging is abnormal and/or levels are rising); MHRA MDA/2017/018
(imaging weighs more than isolated levels; muscle or bone involvement is of most concern; an
isolated fluid collection, not very large, in a hip without symptoms may be watched with
interval scanning; rising levels may mean a soft-tissue reaction; local symptoms are also
investigated for other causes; the Oxford Hip Score is emphasised).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from coxa.catalogue.schema_surveillance import SurveillanceFile
from coxa.surveillance.domain.advice import (
    RECOMMENDATION_LABELS,
    RULE_VERSION,
    SYMPTOMS,
    Answer,
    Reason,
    Recommendation,
)
from coxa.surveillance.domain.check import Check, ReviewFacts, blood, missing_from
from coxa.surveillance.domain.imaging import XRAY_FINDINGS, XRAY_INVESTIGATE, Study


@dataclass(frozen=True, slots=True)
class Advice:
    recommendation: Recommendation
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # what the check needs and does not have, in words
    table_version: str
    rule_code: str
    needs: tuple[str, ...] = ()  # the codes of what is missing (check.NEEDS_*)

    @property
    def actions(self) -> tuple[Recommendation, ...]:
        seen = sorted({r.action for r in self.reasons}, key=lambda a: -a.severity)
        return tuple(seen)

    def due_on(self, action: Recommendation) -> dt.date | None:
        days = [r.due_on for r in self.reasons if r.action == action and r.due_on]
        return min(days) if days else None

    def as_json(self) -> dict[str, Any]:
        return {
            "recommendation": self.recommendation.value,
            "label": self.recommendation.label,
            "actions": [a.value for a in self.actions],
            "reasons": [r.as_json(self.table_version) for r in self.reasons],
            "missing": list(self.missing),
            "needs": list(self.needs),
            "table_version": self.table_version,
            "schedule_rule": self.rule_code,
        }


def _imaging(check: Check, table: SurveillanceFile, rising: bool) -> list[Reason]:
    """Reasons from the latest soft-tissue study: its findings stand until a later one."""
    last = check.last_soft
    if last is None:
        return []
    used = {"performed_on": last.performed_on, "modality": last.modality.value}
    reasons = []
    if last.most_concern:
        reasons.append(
            Reason(
                "mom-imaging-muscle-bone",
                Recommendation.REFER,
                "Muscle or bone involvement on imaging: of most concern.",
                ("mhra-mda-2017-018",),
                used,
            )
        )
    if last.solid:
        reasons.append(
            Reason(
                "mom-imaging-solid-mass",
                Recommendation.REFER,
                "A solid or predominantly solid mass on imaging (abnormal imaging: consider "
                "revision).",
                ("mhra-mda-2015-024", "hauptfleisch-2012"),
                {**used, "hauptfleisch": last.hauptfleisch},
            )
        )
    if last.collection and not last.solid and not last.most_concern:
        reasons.append(_collection(check, table, last, used))
    if check.imaging_abnormal and rising:
        reasons.append(
            Reason(
                "mom-abnormal-and-rising",
                Recommendation.REFER,
                "Abnormal imaging and rising blood metal levels: consider revision.",
                ("mhra-mda-2015-024",),
                used,
            )
        )
    return reasons


def _collection(
    check: Check, table: SurveillanceFile, study: Study, used: dict[str, Any]
) -> Reason:
    if check.symptomatic or study.very_large:
        return Reason(
            "mom-collection-symptomatic-or-large",
            Recommendation.REFER,
            "A fluid collection "
            + ("that is very large" if study.very_large else "in a hip with symptoms")
            + ": not one to watch (abnormal imaging: consider revision).",
            ("mhra-mda-2015-024", "mhra-mda-2017-018"),
            {**used, "very_large": study.very_large},
        )
    return Reason(
        "mom-collection-watch",
        Recommendation.IMAGE,
        "An isolated fluid collection, not very large, in a hip without symptoms: watch it "
        "with a further scan and a clinic review.",
        table.imaging.rescan_sources,
        used,
        study.performed_on + dt.timedelta(days=table.imaging.rescan_collection_after_days),
    )


def _xray(check: Check) -> list[Reason]:
    """An X-ray of this check that shows something.

    Service policy: MDA/2017/018 names loosening and fixation only among the causes to look
    for; a failing implant refers, neck narrowing asks for imaging.
    """
    if not check.xrays_in_check or not check.xrays_in_check[-1].xray_abnormal:
        return []
    xray = check.xrays_in_check[-1]
    found = xray.xray_abnormal
    failing = [c for c in found if c not in XRAY_INVESTIGATE]
    used = {"performed_on": xray.performed_on, "findings": list(found)}
    words = "; ".join(XRAY_FINDINGS[c] for c in found)
    if failing:
        return [
            Reason(
                "mom-xray-abnormal",
                Recommendation.REFER,
                f"The X-ray shows: {words}. Investigate fixation and loosening.",
                ("service-policy",),
                used,
            )
        ]
    return [
        Reason(
            "mom-xray-investigate",
            Recommendation.IMAGE,
            f"The X-ray shows: {words}. Image the hip to look for a soft-tissue reaction.",
            ("service-policy",),
            used,
        )
    ]


def _symptoms_and_score(check: Check, rising: bool) -> list[Reason]:
    """Symptoms and a falling score ask for imaging, unless this check has imaged the hip."""
    reasons = []
    if check.symptomatic and not check.soft_in_check:
        reasons.append(
            Reason(
                "mom-symptomatic-image",
                Recommendation.IMAGE,
                "Symptoms ("
                + "; ".join(SYMPTOMS[c] for c in check.symptomatic)
                + "): image the hip, and look for other causes too.",
                ("mhra-mda-2017-018",),
                {"symptoms": list(check.symptomatic)},
            )
        )
    fall = check.facts.score_fall_on
    if fall is None:
        return reasons
    if check.imaging_abnormal or rising:
        reasons.append(
            Reason(
                "mom-score-fall-with-concern",
                Recommendation.REFER,
                "A falling hip score with "
                + ("abnormal imaging" if check.imaging_abnormal else "rising levels")
                + ": consider revision.",
                ("mhra-2017-summary",),
                {"fall_on": fall},
            )
        )
    elif not check.soft_in_check:
        reasons.append(
            Reason(
                "mom-score-fall-image",
                Recommendation.IMAGE,
                "A falling hip score since the last review: image the hip.",
                ("mhra-2017-summary",),
                {"fall_on": fall},
            )
        )
    return reasons


def recommend(facts: ReviewFacts, table: SurveillanceFile) -> Advice:
    check = Check.of(facts)
    lacking = missing_from(check)
    missing = [words for _, words in lacking]
    reasons, rising = blood(check, table)
    reasons += _imaging(check, table, rising)
    reasons += _xray(check)
    reasons += _symptoms_and_score(check, rising)
    rule = facts.rule
    imaging_asked = any(r.action == Recommendation.IMAGE for r in reasons)
    if rule.imaging and not check.soft_in_check and not imaging_asked:
        reasons.append(
            Reason(
                "mom-schedule-imaging",
                Recommendation.IMAGE,
                f"The schedule ({rule.title}) includes imaging at each check.",
                rule.sources,
                {"schedule_rule": rule.code},
            )
        )
    if reasons:
        headline = max((r.action for r in reasons), key=lambda a: a.severity)
    else:
        headline = Recommendation.COMPLETE if missing else Recommendation.ROUTINE
    if headline == Recommendation.ROUTINE:
        raised = check.latest is not None and (check.latest.highest or 0) > (
            table.blood_metals.concern_above_ug_per_l
        )
        reasons.append(
            Reason(
                "mom-routine",
                Recommendation.ROUTINE,
                (
                    "Levels remain above the threshold but imaging since shows no reaction: "
                    "continue surveillance, with levels and imaging at each check"
                    if raised
                    else "Nothing of concern"
                )
                + f": the next check in {rule.interval_days} days.",
                rule.sources,
                {"schedule_rule": rule.code},
                facts.review_on + dt.timedelta(days=rule.interval_days),
            )
        )
    return Advice(
        headline,
        tuple(reasons),
        tuple(missing),
        table.version,
        rule.code,
        tuple(code for code, _ in lacking),
    )


__all__ = [
    "RECOMMENDATION_LABELS",
    "RULE_VERSION",
    "SYMPTOMS",
    "Advice",
    "Answer",
    "Reason",
    "Recommendation",
    "ReviewFacts",
    "recommend",
]
