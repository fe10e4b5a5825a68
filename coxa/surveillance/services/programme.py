"""Each enrolled hip's surveillance programme: kept current, and ended (issue 15, ADR 0024).

``refresh(enrolment)`` works out, from what is stored (results, imaging, reviews, the hip's
end points) and today, the rule and table version that apply, the next check and the
worklist's columns, and stores them on the enrolment. It is idempotent (a second call with
nothing new records nothing). Every surveillance service calls it after its write; the nightly
sweep (``coxa surveillance refresh``, ``refresh_all``) enrols hips whose resurfacing note was
signed since (surgery may not call up into surveillance: ADR 0001, ADR 0022) and refreshes
every active hip, ending those whose bearing was revised or whose patient died.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.outcomes.services.endpoints import ends_of
from coxa.surveillance.domain.check import NEEDS_BLOODS, NEEDS_SCAN
from coxa.surveillance.domain.imaging import Study
from coxa.surveillance.domain.recommend import Recommendation
from coxa.surveillance.domain.results import FlagCode, Levels, Matrix, flags_for
from coxa.surveillance.domain.schedule import (
    Chosen,
    Next,
    Outstanding,
    choose_rule,
    next_due,
    routine_due,
)
from coxa.surveillance.models import (
    EndReason,
    Enrolment,
    EnrolmentStatus,
    ImagingStudy,
    MetalIonResult,
    Source,
    SurveillanceReview,
)
from coxa.surveillance.selectors import (
    hip_facts,
    levels_of,
    score_fall_since,
    study_of,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Standing:
    chosen: Chosen
    next_kind: str
    next_due_on: dt.date
    routine_on: dt.date
    repeat_due_on: dt.date | None
    flagged_on: dt.date | None
    flag_text: str
    last_review_on: dt.date | None
    last_result_on: dt.date | None
    last_imaging_on: dt.date | None
    last_recommendation: str


def _repeat_awaited(results: list[MetalIonResult]) -> dt.date | None:
    """The day a repeat of the bloods is due (None: none is awaited).

    A first whole-blood result above the threshold asks for one 3 months on (MHRA
    MDA/2015/024), answered by a later whole-blood sample measuring the raised metal. A serum
    or plasma result with no whole-blood sample after it asks for one now: it cannot be
    compared with the threshold.
    """
    table = get_catalogue().surveillance
    whole = [levels_of(r) for r in results if r.matrix == Matrix.WHOLE_BLOOD]
    due: list[dt.date] = []
    for index, levels in enumerate(whole):
        flags = flags_for(levels, whole[:index], table.blood_metals, table.version)
        repeat = next((f for f in flags if f.code is FlagCode.REPEAT_BLOODS), None)
        raised = [f.metal for f in flags if f.code is FlagCode.ABOVE_CONCERN and f.metal]
        answered = any(all(w.of(m) is not None for m in raised) for w in whole[index + 1 :])
        if repeat is not None and repeat.due_on is not None and not answered:
            due.append(repeat.due_on)
    other = [r for r in results if r.matrix != Matrix.WHOLE_BLOOD]
    if other and not any(w.sampled_on >= other[-1].sampled_on for w in whole):
        due.append(other[-1].sampled_on)
    return min(due) if due else None


def _concerns_since(
    since: dt.date | None,
    results: list[MetalIonResult],
    studies: list[Study],
    fall_on: dt.date | None,
) -> list[tuple[dt.date, str]]:
    """What came after the last review and needs one.

    A level of concern, a change on imaging, a falling hip score.
    """
    after = [r for r in results if since is None or r.sampled_on > since]
    concerns = [
        (r.sampled_on, f["text"])
        for r in after
        for f in r.flags[:1]
        if f["code"] in (FlagCode.ABOVE_CONCERN, FlagCode.RISING)
    ]
    concerns += [
        (
            s.performed_on,
            f"{s.modality.label} on {s.performed_on:%-d %b %Y} found a change: review it.",
        )
        for s in studies
        if (since is None or s.performed_on > since) and s.abnormal
    ]
    if fall_on is not None:
        concerns.append((fall_on, "A falling hip score: review the hip."))
    return concerns


def _asked_by(
    last: SurveillanceReview, whole: list[Levels], soft: list[Study]
) -> tuple[list[Outstanding], list[tuple[dt.date, str]]]:
    """What the last review's plan asked for and is not yet done; a referral awaiting."""
    plan = last.recommendation if last.plan == "follow" else last.plan
    day = last.reviewed_on
    days = [
        (r["action"], dt.date.fromisoformat(r["due_on"]))
        for r in last.advice.get("reasons", [])
        if r.get("due_on")
    ]

    def due(action: str, fallback: dt.date) -> dt.date:
        return min((d for a, d in days if a == action), default=fallback)

    imaged = any(s.performed_on >= day and s.answers for s in soft)
    bled = any(
        w.sampled_on >= day and w.cobalt is not None and w.chromium is not None for w in whole
    )
    asked: list[Outstanding] = []
    referred: list[tuple[dt.date, str]] = []
    if plan == Recommendation.IMAGE and not imaged:
        asked.append(Outstanding(Next.IMAGING, due(plan, day)))
    elif plan == Recommendation.REPEAT_BLOODS and not any(w.sampled_on > day for w in whole):
        repeat = get_catalogue().surveillance.blood_metals.repeat_after_days
        asked.append(Outstanding(Next.REPEAT_BLOODS, due(plan, day + dt.timedelta(days=repeat))))
    elif plan == Recommendation.REFER:
        referred.append((day, "Referred to discuss revision: awaiting the decision."))
    # What the review lacked stays due from its day until recorded: a review never closes a
    # check that had no whole-blood levels or only a partly read scan (unknown is not normal).
    needs = set(last.advice.get("needs", ()))
    if NEEDS_BLOODS in needs and not bled:
        asked.append(Outstanding(Next.REPEAT_BLOODS, day))
    if NEEDS_SCAN in needs and not imaged and plan != Recommendation.IMAGE:
        asked.append(Outstanding(Next.IMAGING, day))
    return asked, referred


def standing_of(enrolment: Enrolment, today: dt.date) -> _Standing:
    table = get_catalogue().surveillance
    saved = enrolment.pk is not None  # a new enrolment has nothing recorded yet
    reviews = (
        list(SurveillanceReview.objects.filter(enrolment=enrolment).order_by("reviewed_on", "id"))
        if saved
        else []
    )
    last = reviews[-1] if reviews else None
    chosen = choose_rule(table, hip_facts(enrolment, last, today))
    results = (
        list(MetalIonResult.objects.filter(enrolment=enrolment).order_by("sampled_on", "id"))
        if saved
        else []
    )
    studies = (
        list(ImagingStudy.objects.filter(enrolment=enrolment).order_by("performed_on", "id"))
        if saved
        else []
    )
    routine_on = routine_due(
        interval_days=chosen.rule.interval_days,
        last_review_on=last.reviewed_on if last else None,
        operated_on=enrolment.operated_on,
        enrolled_on=enrolment.enrolled_on,
        operated_here=enrolment.source == Source.OPERATION_NOTE,
    )
    whole = [levels_of(r) for r in results if r.matrix == Matrix.WHOLE_BLOOD]
    imaged = [study_of(s) for s in studies]
    soft = [study for study in imaged if study.modality.soft_tissue]
    repeat_due_on = _repeat_awaited(results)
    outstanding = [Outstanding(Next.REPEAT_BLOODS, repeat_due_on)] if repeat_due_on else []
    since = last.reviewed_on if last else None
    flags = _concerns_since(since, results, imaged, score_fall_since(enrolment.episode, since))
    if last is not None:
        asked, referred = _asked_by(last, whole, soft)
        outstanding += asked
        flags += referred
    due_now = next_due(routine_on, outstanding)
    flagged = min(flags) if flags else None
    return _Standing(
        chosen=chosen,
        next_kind=due_now.kind.value,
        next_due_on=due_now.due_on,
        routine_on=routine_on,
        repeat_due_on=repeat_due_on,
        flagged_on=flagged[0] if flagged else None,
        flag_text=flagged[1][:300] if flagged else "",
        last_review_on=last.reviewed_on if last else None,
        last_result_on=results[-1].sampled_on if results else None,
        last_imaging_on=studies[-1].performed_on if studies else None,
        last_recommendation=last.recommendation if last else "",
    )


STORED = (
    "status", "ended_on", "ended_reason", "rule_code", "rule_version", "rule_checked",
    "interval_days", "needs_bloods", "needs_imaging", "next_kind", "next_due_on", "routine_on",
    "shows_from", "lost_on", "sort_on", "repeat_due_on", "flagged_on", "flag_text",
    "last_review_on", "last_result_on", "last_imaging_on", "last_recommendation",
)  # fmt: skip


def apply(enrolment: Enrolment, today: dt.date) -> bool:
    """Set the stored columns from where the hip stands; True when any changed (not saved)."""
    before = {f: getattr(enrolment, f) for f in STORED}
    ends = ends_of(enrolment.episode)
    if ends.converted_on is not None or ends.died_on is not None:
        revised = ends.converted_on is not None and (
            ends.died_on is None or ends.converted_on <= ends.died_on
        )
        enrolment.status = EnrolmentStatus.ENDED
        enrolment.ended_on = ends.converted_on if revised else ends.died_on
        enrolment.ended_reason = EndReason.REVISED if revised else EndReason.DIED
        for name in ("next_kind", "flag_text"):
            setattr(enrolment, name, "")
        for name in (
            "next_due_on",
            "shows_from",
            "lost_on",
            "sort_on",
            "repeat_due_on",
            "flagged_on",
        ):
            setattr(enrolment, name, None)
    else:
        table = get_catalogue().surveillance
        now = standing_of(enrolment, today)
        rule = now.chosen.rule
        enrolment.status = EnrolmentStatus.ACTIVE
        enrolment.ended_on, enrolment.ended_reason = None, ""
        enrolment.rule_code, enrolment.rule_version = rule.code, now.chosen.version
        enrolment.rule_checked = now.chosen.checked
        enrolment.interval_days = rule.interval_days
        enrolment.needs_bloods, enrolment.needs_imaging = rule.blood_metals, rule.imaging
        enrolment.next_kind, enrolment.next_due_on = now.next_kind, now.next_due_on
        enrolment.routine_on = now.routine_on
        enrolment.shows_from = now.next_due_on - dt.timedelta(days=table.invite_before_days)
        enrolment.lost_on = now.next_due_on + dt.timedelta(days=table.lost_after_days)
        enrolment.repeat_due_on = now.repeat_due_on
        enrolment.flagged_on, enrolment.flag_text = now.flagged_on, now.flag_text
        enrolment.sort_on = min(d for d in (now.next_due_on, now.flagged_on) if d is not None)
        enrolment.last_review_on = now.last_review_on
        enrolment.last_result_on = now.last_result_on
        enrolment.last_imaging_on = now.last_imaging_on
        enrolment.last_recommendation = now.last_recommendation
    return any(getattr(enrolment, f) != v for f, v in before.items())


@audit.atomic()
def refresh(
    enrolment: Enrolment, *, by: audit.Actor | None = None, via: audit.Via = audit.Via.CLI
) -> Enrolment:
    """Store where the hip stands today; audited only when something stored changed."""
    locked = (
        Enrolment.objects.select_for_update()
        .select_related("episode__patient")
        .get(pk=enrolment.pk)
    )
    if not apply(locked, clock.today()):
        return locked
    locked.refreshed_at = clock.now()
    locked.save()
    audit.record(
        actor=by,
        action="surveillance.refresh",
        object_type="episode",
        object_id=locked.episode.public_id,
        patient_id=locked.episode.patient.public_id,
        summary=(
            f"Surveillance ended ({locked.get_ended_reason_display().lower()})"
            if locked.status == EnrolmentStatus.ENDED
            else f"Next surveillance check: {Next(locked.next_kind).label.lower()} due "
            f"{locked.next_due_on:%-d %b %Y} (rule {locked.rule_code}@{locked.rule_version})"
        ),
        via=via,
    )
    return locked


@dataclass(frozen=True)
class Run:
    enrolled: int
    refreshed: int
    failed: tuple[str, ...]


def refresh_all() -> Run:
    """The nightly sweep: enrol hips signed since, then refresh every active hip.

    Each hip is its own transaction: one that fails is logged and reported, the rest go on.
    """
    from coxa.surveillance.services.enrolment import enrol_signed  # noqa: PLC0415 (a cycle)

    enrolled = enrol_signed(by=None, via=audit.Via.CLI)
    failed = []
    ids = list(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        try:
            refresh(Enrolment(pk=pk), by=None, via=audit.Via.CLI)
        except Exception as error:  # one broken record must not stop the night: reported
            log.exception("surveillance refresh failed for enrolment %s", pk)
            failed.append(f"{pk}: {error}")
    return Run(enrolled=enrolled, refreshed=len(ids) - len(failed), failed=tuple(failed))
