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
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from coxa.catalogue.schema_surveillance import ScheduleRule, SurveillanceFile
from coxa.surveillance.domain.imaging import XRAY_FINDINGS, Study
from coxa.surveillance.domain.results import FlagCode, Levels, Matrix, flags_for


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_ASKED = "not-asked"


# What the patient is asked at each review (MHRA MDA/2017/018 counts a patient with symptoms
# apart from one without).
SYMPTOMS: dict[str, str] = {
    "pain": "Pain in the hip, groin or thigh",
    "swelling": "Swelling or a lump around the hip",
    "clicking": "Clicking, clunking or grinding from the hip",
    "new-limp": "A new limp",
    "systemic": "Symptoms elsewhere in the body (for example changes in vision or hearing, "
    "numbness, tiredness, or heart or thyroid problems)",
}


class Recommendation(StrEnum):
    ROUTINE = "routine"
    COMPLETE = "complete-check"
    REPEAT_BLOODS = "repeat-bloods"
    IMAGE = "image"
    REFER = "refer-revision"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]

    @property
    def severity(self) -> int:
        return list(Severity.__members__).index(self.name)


class Severity(IntEnum):  # the order of seriousness (names match Recommendation's)
    ROUTINE = 0
    COMPLETE = 1
    REPEAT_BLOODS = 2
    IMAGE = 3
    REFER = 4


RECOMMENDATION_LABELS = {
    Recommendation.ROUTINE: "Continue routine surveillance",
    Recommendation.COMPLETE: "Complete the check: something it needs is missing",
    Recommendation.REPEAT_BLOODS: "Repeat the blood metal levels in 3 months",
    Recommendation.IMAGE: "Image the hip (MARS MRI or ultrasound)",
    Recommendation.REFER: "Refer to discuss revision",
}

RULE_VERSION = 1  # of the rules below; the table's version is beside it on every reason


@dataclass(frozen=True, slots=True)
class Reason:
    rule_id: str
    action: Recommendation
    message: str
    sources: tuple[str, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)
    due_on: dt.date | None = None

    def as_json(self, table_version: str) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_version": RULE_VERSION,
            "table_version": table_version,
            "action": self.action.value,
            "message": self.message,
            "sources": list(self.sources),
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "facts": {
                k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.facts.items()
            },
        }


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


def recommend(facts: ReviewFacts, table: SurveillanceFile) -> Advice:
    reasons: list[Reason] = []
    missing: list[str] = []
    blood = table.blood_metals
    unasked = [
        SYMPTOMS[c] for c in SYMPTOMS if facts.symptoms.get(c, Answer.NOT_ASKED) == Answer.NOT_ASKED
    ]
    if unasked:
        missing.append("Not asked: " + "; ".join(unasked))
    symptomatic = [SYMPTOMS[c] for c in SYMPTOMS if facts.symptoms.get(c) == Answer.YES]

    results = sorted(facts.results, key=lambda r: r.sampled_on)
    whole = [
        r for r in results if r.matrix == Matrix.WHOLE_BLOOD and r.sampled_on <= facts.review_on
    ]
    this_check = [r for r in whole if facts.in_check(r.sampled_on)]
    latest = this_check[-1] if this_check else None
    if facts.rule.blood_metals and (
        latest is None or latest.cobalt is None or latest.chromium is None
    ):
        other = [
            r for r in results if r.matrix != Matrix.WHOLE_BLOOD and facts.in_check(r.sampled_on)
        ]
        missing.append(
            "A whole-blood cobalt and chromium result for this check"
            + (
                " (a serum or plasma result is not compared with the whole-blood threshold)"
                if other
                else ""
            )
        )

    studies = sorted(
        (s for s in facts.studies if s.performed_on <= facts.review_on),
        key=lambda s: s.performed_on,
    )
    soft = [s for s in studies if s.modality.soft_tissue]
    last_soft = soft[-1] if soft else None
    soft_in_check = [s for s in soft if facts.in_check(s.performed_on)]

    def imaged_since(day: dt.date) -> bool:
        return any(s.performed_on >= day for s in soft)

    # Blood metal levels: above the threshold, rising.
    rising = False
    if latest is not None:
        flags = flags_for(latest, whole[: whole.index(latest)], blood, table.version)
        codes = {f.code for f in flags}
        rising = FlagCode.RISING in codes
        earlier_above = [
            r
            for r in whole
            if r.sampled_on < latest.sampled_on and (r.highest or 0) > blood.concern_above_ug_per_l
        ]
        facts_used = {
            "sampled_on": latest.sampled_on,
            "cobalt_ug_per_l": latest.cobalt,
            "chromium_ug_per_l": latest.chromium,
        }
        if FlagCode.ABOVE_CONCERN in codes and not earlier_above:
            repeat_on = latest.sampled_on + dt.timedelta(days=blood.repeat_after_days)
            reasons.append(
                Reason(
                    "mom-first-above-concern",
                    Recommendation.REPEAT_BLOODS,
                    f"The first whole-blood result above {blood.concern_above_ug_per_l:g} µg/L: repeat it 3 months after the sample.",
                    blood.repeat_sources,
                    {**facts_used, "threshold_ug_per_l": blood.concern_above_ug_per_l},
                    repeat_on,
                )
            )
        if (FlagCode.ABOVE_CONCERN in codes or rising) and not imaged_since(latest.sampled_on):
            reasons.append(
                Reason(
                    "mom-levels-image",
                    Recommendation.IMAGE,
                    (
                        "Levels above the threshold"
                        if FlagCode.ABOVE_CONCERN in codes
                        else "Rising levels"
                    )
                    + " and no MARS MRI or ultrasound since the sample: image the hip.",
                    (*blood.concern_sources, "mhra-mda-2017-018"),
                    facts_used,
                )
            )

    # Imaging: the latest soft-tissue study's findings stand until a later one.
    if last_soft is not None:
        study_facts = {"performed_on": last_soft.performed_on, "modality": last_soft.modality.value}
        if last_soft.most_concern:
            reasons.append(
                Reason(
                    "mom-imaging-muscle-bone",
                    Recommendation.REFER,
                    "Muscle or bone involvement on imaging: of most concern.",
                    ("mhra-mda-2017-018",),
                    study_facts,
                )
            )
        if last_soft.solid:
            reasons.append(
                Reason(
                    "mom-imaging-solid-mass",
                    Recommendation.REFER,
                    "A solid or predominantly solid mass on imaging (abnormal imaging: consider revision).",
                    ("mhra-mda-2015-024", "hauptfleisch-2012"),
                    {**study_facts, "hauptfleisch": last_soft.hauptfleisch},
                )
            )
        if last_soft.collection and not last_soft.solid and not last_soft.most_concern:
            if symptomatic or last_soft.very_large:
                reasons.append(
                    Reason(
                        "mom-collection-symptomatic-or-large",
                        Recommendation.REFER,
                        "A fluid collection "
                        + (
                            "that is very large"
                            if last_soft.very_large
                            else "in a hip with symptoms"
                        )
                        + ": not one to watch (abnormal imaging: consider revision).",
                        ("mhra-mda-2015-024", "mhra-mda-2017-018"),
                        {**study_facts, "very_large": last_soft.very_large},
                    )
                )
            else:
                rescan_on = last_soft.performed_on + dt.timedelta(
                    days=table.imaging.rescan_collection_after_days
                )
                reasons.append(
                    Reason(
                        "mom-collection-watch",
                        Recommendation.IMAGE,
                        "An isolated fluid collection, not very large, in a hip without symptoms: "
                        "watch it with a further scan and a clinic review.",
                        table.imaging.rescan_sources,
                        study_facts,
                        rescan_on,
                    )
                )
        abnormal = not last_soft.normal and not last_soft.unassessed
        if abnormal and rising:
            reasons.append(
                Reason(
                    "mom-abnormal-and-rising",
                    Recommendation.REFER,
                    "Abnormal imaging and rising blood metal levels: consider revision.",
                    ("mhra-mda-2015-024",),
                    study_facts,
                )
            )
        if last_soft in soft_in_check and last_soft.unassessed:
            missing.append(
                "The latest scan did not assess: "
                + ", ".join(u.replace("_", " ") for u in last_soft.unassessed)
            )

    xrays = [s for s in studies if not s.modality.soft_tissue and facts.in_check(s.performed_on)]
    if xrays and xrays[-1].xray_abnormal:
        found = [XRAY_FINDINGS[c] for c in xrays[-1].xray_abnormal]
        reasons.append(
            Reason(
                "mom-xray-abnormal",
                Recommendation.REFER,
                "The X-ray shows: " + "; ".join(found) + ". Investigate fixation and loosening.",
                ("mhra-mda-2017-018", "service-policy"),
                {"performed_on": xrays[-1].performed_on, "findings": list(xrays[-1].xray_abnormal)},
            )
        )

    # Symptoms and a falling score ask for imaging, unless this check has imaged the hip.
    if symptomatic and not soft_in_check:
        reasons.append(
            Reason(
                "mom-symptomatic-image",
                Recommendation.IMAGE,
                "Symptoms ("
                + "; ".join(symptomatic)
                + "): image the hip, and look for other causes too.",
                ("mhra-mda-2017-018",),
                {"symptoms": [c for c in SYMPTOMS if facts.symptoms.get(c) == Answer.YES]},
            )
        )
    if facts.score_fall_on is not None:
        abnormal = last_soft is not None and not last_soft.normal and not last_soft.unassessed
        if abnormal or rising:
            reasons.append(
                Reason(
                    "mom-score-fall-with-concern",
                    Recommendation.REFER,
                    "A falling hip score with "
                    + ("abnormal imaging" if abnormal else "rising levels")
                    + ": consider revision.",
                    ("mhra-mda-2017-018",),
                    {"fall_on": facts.score_fall_on},
                )
            )
        elif not soft_in_check:
            reasons.append(
                Reason(
                    "mom-score-fall-image",
                    Recommendation.IMAGE,
                    "A falling hip score since the last review: image the hip.",
                    ("mhra-mda-2017-018",),
                    {"fall_on": facts.score_fall_on},
                )
            )
    if (
        facts.rule.imaging
        and not soft_in_check
        and not any(r.action == Recommendation.IMAGE for r in reasons)
    ):
        reasons.append(
            Reason(
                "mom-schedule-imaging",
                Recommendation.IMAGE,
                f"The schedule ({facts.rule.title}) includes imaging at each check.",
                facts.rule.sources,
                {"schedule_rule": facts.rule.code},
            )
        )

    if reasons:
        headline = max((r.action for r in reasons), key=lambda a: a.severity)
    else:
        headline = Recommendation.COMPLETE if missing else Recommendation.ROUTINE
    if headline == Recommendation.ROUTINE:
        reasons.append(
            Reason(
                "mom-routine",
                Recommendation.ROUTINE,
                f"Nothing of concern: the next check in {facts.rule.interval_days} days.",
                facts.rule.sources,
                {"schedule_rule": facts.rule.code},
                facts.review_on + dt.timedelta(days=facts.rule.interval_days),
            )
        )
    return Advice(headline, tuple(reasons), tuple(missing), table.version, facts.rule.code)
