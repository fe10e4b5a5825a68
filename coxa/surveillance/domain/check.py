"""One check of a metal-on-metal hip as the recommendation reads it (pure; issue 15).

The facts of a review (``ReviewFacts``), what they hold worked out once (``Check``), what the
check lacks, and the reasons its blood metal results give.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coxa.catalogue.schema_surveillance import ScheduleRule, SurveillanceFile
from coxa.surveillance.domain.advice import SYMPTOMS, Answer, Reason, Recommendation
from coxa.surveillance.domain.imaging import Study
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
class Check:
    """What one check of the hip has to go on, worked out once from the facts."""

    facts: ReviewFacts
    whole: tuple[Levels, ...]  # whole-blood results up to the review day, oldest first
    latest: Levels | None  # the latest whole-blood result of this check
    soft: tuple[Study, ...]  # MARS MRI and ultrasound up to the review day
    soft_in_check: tuple[Study, ...]
    xrays_in_check: tuple[Study, ...]
    symptomatic: tuple[str, ...]  # symptom codes answered yes

    @classmethod
    def of(cls, facts: ReviewFacts) -> "Check":
        day = facts.review_on
        results = sorted(facts.results, key=lambda r: r.sampled_on)
        whole = tuple(r for r in results if r.matrix == Matrix.WHOLE_BLOOD and r.sampled_on <= day)
        this_check = [r for r in whole if facts.in_check(r.sampled_on)]
        studies = sorted((s for s in facts.studies if s.performed_on <= day), key=performed)
        soft = tuple(s for s in studies if s.modality.soft_tissue)
        return cls(
            facts=facts,
            whole=whole,
            latest=this_check[-1] if this_check else None,
            soft=soft,
            soft_in_check=tuple(s for s in soft if facts.in_check(s.performed_on) and s.answers),
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
        """A MARS MRI or ultrasound on or after ``day`` that answers (not a partly read one)."""
        return any(s.performed_on >= day and s.answers for s in self.soft)


def performed(study: Study) -> dt.date:
    return study.performed_on


# What a check may lack, by code (a later review or record answers each).
NEEDS_SYMPTOMS = "symptoms"
NEEDS_BLOODS = "bloods"
NEEDS_SCAN = "scan"


def missing_from(check: Check) -> list[tuple[str, str]]:
    """What the check needs and does not have: (code, words)."""
    facts = check.facts
    missing = []
    unasked = [
        SYMPTOMS[c] for c in SYMPTOMS if facts.symptoms.get(c, Answer.NOT_ASKED) == Answer.NOT_ASKED
    ]
    if unasked:
        missing.append((NEEDS_SYMPTOMS, "Not asked: " + "; ".join(unasked)))
    in_check = [r for r in check.whole if facts.in_check(r.sampled_on)]
    if facts.rule.blood_metals and not all(
        any(r.of(m) is not None for r in in_check) for m in METALS
    ):
        other = any(
            r.matrix != Matrix.WHOLE_BLOOD and facts.in_check(r.sampled_on) for r in facts.results
        )
        missing.append(
            (
                NEEDS_BLOODS,
                "A whole-blood cobalt and chromium result for this check"
                + (
                    " (a serum or plasma result is not compared with the whole-blood threshold)"
                    if other
                    else ""
                ),
            )
        )
    last = check.last_soft
    if last is not None and facts.in_check(last.performed_on) and last.unassessed:
        missing.append(
            (
                NEEDS_SCAN,
                "The latest scan did not assess: "
                + ", ".join(u.replace("_", " ") for u in last.unassessed),
            )
        )
    return missing


def blood(check: Check, table: SurveillanceFile) -> tuple[list[Reason], bool]:
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
    return one_per_rule(reasons), rising


def one_per_rule(reasons: list[Reason]) -> list[Reason]:
    """The latest reason of each rule (a check with two raised results asks once)."""
    latest: dict[str, Reason] = {}
    for reason in reasons:
        latest[reason.rule_id] = reason
    return list(latest.values())
