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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coxa.catalogue.schema_surveillance import ScheduleRule, SurveillanceFile
from coxa.surveillance.domain.advice import (
    RECOMMENDATION_LABELS,
    RULE_VERSION,
    SYMPTOMS,
    Answer,
    Reason,
    Recommendation,
)
from coxa.surveillance.domain.imaging import XRAY_FINDINGS, XRAY_INVESTIGATE, Study
from coxa.surveillance.domain.results import FlagCode, Levels, Matrix, flags_for
from coxa.terminology.units import METALS


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What a review's recommendation reads."""

    review_on: dt.date
    previous_review_on: dt.date | None  # this check runs from the day after it
    rule: ScheduleRule
    symptoms: Mapping[str, Answer]
    results: Sequence[Levels]  # every result of the hip, any matrix, not struck out
    studies: Sequence[Study]  # every imaging study of the hip, not struck out
    score_fall_on: dt.date | None = None  # a fall in a hip score flagged since the last review

    @property
    def check_from(self) -> dt.date:
        if self.previous_review_on is not None:
            return self.previous_review_on + dt.timedelta(days=1)
        return self.review_on - dt.timedelta(days=self.rule.interval_days)

    def in_check(self, day: dt.date) -> bool:
        return self.check_from <= day <= self.review_on


@dataclass(frozen=True, slots=True)
class Advice:
    recommendation: Recommendation
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # what the check needs and does not have, in words
    table_version: str
    rule_code: str

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
            "table_version": self.table_version,
            "schedule_rule": self.rule_code,
        }


@dataclass(frozen=True, slots=True)
class _Check:
    """What one check of the hip has to go on, worked out once from the facts."""

    facts: ReviewFacts
    whole: tuple[Levels, ...]  # whole-blood results up to the review day, oldest first
    latest: Levels | None  # the latest whole-blood result of this check
    soft: tuple[Study, ...]  # MARS MRI and ultrasound up to the review day
    soft_in_check: tuple[Study, ...]
    xrays_in_check: tuple[Study, ...]
    symptomatic: tuple[str, ...]  # symptom codes answered yes

    @classmethod
    def of(cls, facts: ReviewFacts) -> "_Check":
        day = facts.review_on
        results = sorted(facts.results, key=lambda r: r.sampled_on)
        whole = tuple(r for r in results if r.matrix == Matrix.WHOLE_BLOOD and r.sampled_on <= day)
        this_check = [r for r in whole if facts.in_check(r.sampled_on)]
        studies = sorted((s for s in facts.studies if s.performed_on <= day), key=_performed)
        soft = tuple(s for s in studies if s.modality.soft_tissue)
        return cls(
            facts=facts,
            whole=whole,
            latest=this_check[-1] if this_check else None,
            soft=soft,
            soft_in_check=tuple(s for s in soft if facts.in_check(s.performed_on)),
            xrays_in_check=tuple(
                s for s in studies if not s.modality.soft_tissue and facts.in_check(s.performed_on)
            ),
            symptomatic=tuple(c for c in SYMPTOMS if facts.symptoms.get(c) == Answer.YES),
        )

    @property
    def last_soft(self) -> Study | None:
        return self.soft[-1] if self.soft else None

    @property
    def imaging_abnormal(self) -> bool:
        """The latest scan found something (a gap elsewhere in it hides nothing)."""
        last = self.last_soft
        return last is not None and last.abnormal

    def imaged_since(self, day: dt.date) -> bool:
        return any(s.performed_on >= day for s in self.soft)


def _performed(study: Study) -> dt.date:
    return study.performed_on


def _missing(check: _Check) -> list[str]:
    facts = check.facts
    missing = []
    unasked = [
        SYMPTOMS[c] for c in SYMPTOMS if facts.symptoms.get(c, Answer.NOT_ASKED) == Answer.NOT_ASKED
    ]
    if unasked:
        missing.append("Not asked: " + "; ".join(unasked))
    in_check = [r for r in check.whole if facts.in_check(r.sampled_on)]
    if facts.rule.blood_metals and not all(
        any(r.of(m) is not None for r in in_check) for m in METALS
    ):
        other = any(
            r.matrix != Matrix.WHOLE_BLOOD and facts.in_check(r.sampled_on) for r in facts.results
        )
        missing.append(
            "A whole-blood cobalt and chromium result for this check"
            + (
                " (a serum or plasma result is not compared with the whole-blood threshold)"
                if other
                else ""
            )
        )
    last = check.last_soft
    if last is not None and last in check.soft_in_check and last.unassessed:
        missing.append(
            "The latest scan did not assess: "
            + ", ".join(u.replace("_", " ") for u in last.unassessed)
        )
    return missing


def _blood(check: _Check, table: SurveillanceFile) -> tuple[list[Reason], bool]:
    """Reasons from this check's whole-blood results, and whether levels are rising.

    Every result of the check counts, not only the latest: a raised level is imaged unless a
    MARS MRI or ultrasound followed it; a first raised level (the one before it was not) is
    repeated 3 months on unless a later sample measured that metal; a second one higher than
    the first counts as rising (MHRA MDA/2015/024: "especially if higher than before").
    """
    blood = table.blood_metals
    threshold = blood.concern_above_ug_per_l
    reasons: list[Reason] = []
    rising = False
    in_check = [r for r in check.whole if check.facts.in_check(r.sampled_on)]
    for result in in_check:
        earlier = [r for r in check.whole if r.sampled_on < result.sampled_on]
        codes = {f.code for f in flags_for(result, earlier, blood, table.version)}
        previous = earlier[-1] if earlier else None
        raised = [m for m in METALS if (result.of(m) or 0) > threshold]
        higher = previous is not None and any(
            (previous.of(m) or 0) > threshold and (result.of(m) or 0) > (previous.of(m) or 0)
            for m in raised
        )
        rising = rising or FlagCode.RISING in codes or higher
        used = {
            "sampled_on": result.sampled_on,
            "cobalt_ug_per_l": result.cobalt,
            "chromium_ug_per_l": result.chromium,
            "threshold_ug_per_l": threshold,
        }
        if FlagCode.REPEAT_BLOODS in codes and not any(
            r.sampled_on > result.sampled_on and all(r.of(m) is not None for m in raised)
            for r in check.whole
        ):
            reasons.append(
                Reason(
                    "mom-first-above-concern",
                    Recommendation.REPEAT_BLOODS,
                    f"A first whole-blood result above {threshold:g} µg/L: repeat it 3 months "
                    "after the sample.",
                    blood.repeat_sources,
                    used,
                    result.sampled_on + dt.timedelta(days=blood.repeat_after_days),
                )
            )
        if (raised or FlagCode.RISING in codes) and not check.imaged_since(result.sampled_on):
            second = previous is not None and (previous.highest or 0) > threshold
            reasons.append(
                Reason(
                    "mom-levels-image",
                    Recommendation.IMAGE,
                    (
                        (
                            "A second result above the threshold"
                            + (", higher than before" if higher else "")
                        )
                        if second and raised
                        else "Levels above the threshold"
                        if raised
                        else "Rising levels"
                    )
                    + " and no MARS MRI or ultrasound since the sample: image the hip.",
                    (*blood.concern_sources, "mhra-mda-2017-018"),
                    used,
                )
            )
    return _one_per_rule(reasons), rising


def _one_per_rule(reasons: list[Reason]) -> list[Reason]:
    """The latest reason of each rule (a check with two raised results asks once)."""
    latest: dict[str, Reason] = {}
    for reason in reasons:
        latest[reason.rule_id] = reason
    return list(latest.values())


def _imaging(check: _Check, table: SurveillanceFile, rising: bool) -> list[Reason]:
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
    check: _Check, table: SurveillanceFile, study: Study, used: dict[str, Any]
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


def _xray(check: _Check) -> list[Reason]:
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


def _symptoms_and_score(check: _Check, rising: bool) -> list[Reason]:
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
    check = _Check.of(facts)
    missing = _missing(check)
    reasons, rising = _blood(check, table)
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
    return Advice(headline, tuple(reasons), tuple(missing), table.version, rule.code)


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
