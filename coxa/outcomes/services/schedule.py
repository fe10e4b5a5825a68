"""Each hip's follow-up programme: enrolled, kept current, and closed (ADR 0013, ADR 0022).

``refresh(episode)`` works out where the hip stands on its procedure's schedule
(``domain/schedule.py``) from what is stored (questionnaires with their point, clinic
reviews held) and today, and stores the next item and its window on the hip's
``FollowUpProgramme``, which the follow-up worklist reads. It is idempotent: a second call
with nothing new changes nothing and records nothing. It enrols a listed or operated hip
with no programme, moves past points whose window has closed (marking them missed), and
closes the programme of an episode that has ended.

Time flows downward: surgery and pathways may not call up into outcomes, so recording a
response calls it here, the lead's reviews, conversion and death call it (or ``close``), and
the nightly sweep (``coxa refresh-follow-up``, ``refresh_all``) calls it for every hip.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_followup import FollowUpSchedule
from coxa.catalogue.schema_reviews import NOT_ASSESSED
from coxa.core import audit, clock, versions
from coxa.core.errors import ErrorCode, Problem
from coxa.core.words import short_date
from coxa.outcomes.domain.schedule import (
    CLINIC_REVIEW,
    FOLLOWED,
    Done,
    Hip,
    Standing,
    fits,
    point_for,
    standing,
)
from coxa.outcomes.models import (
    FollowUpProgramme,
    FollowUpReview,
    ProgrammeStatus,
    QuestionnaireResponse,
)
from coxa.outcomes.selectors import licence_of
from coxa.pathways.domain import AFTER_OPERATION, EpisodeState
from coxa.pathways.models import Episode, EpisodeTransition

log = logging.getLogger(__name__)
S = EpisodeState
POINT_MAX = 20  # the longest schedule point code stored ("year-12" and the like)
EndReason = Literal["discharged", "converted", "withdrawn", "died", "other"]
# An episode that reached one of these states has its programme closed by the next refresh.
ENDED_BY: dict[EpisodeState, EndReason] = {
    S.COMPLETED: "discharged",
    S.CONVERTED: "converted",
    S.WITHDRAWN: "withdrawn",
    S.DIED: "died",
}
END_REASONS: tuple[EndReason, ...] = ("discharged", "converted", "withdrawn", "died", "other")


def schedule_of(episode: Episode) -> FollowUpSchedule | None:
    procedure = get_catalogue().procedures.get(episode.procedure)
    return procedure.follow_up if procedure is not None else None


def _listed_on(episode: Episode) -> dt.date | None:
    listed = (
        EpisodeTransition.objects.filter(episode=episode, to_state=S.LISTED.value)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    if listed is not None:
        return timezone.localdate(listed)
    return episode.referred_on if episode.state_enum in FOLLOWED else None


def hip_of(episode: Episode) -> Hip:
    """What the hip's schedule is dated from: the day it was listed, and the operation."""
    state = episode.state_enum
    # A hip whose patient died after its operation stays operated (died is not a state "after
    # the operation": a hip may die waiting for it), so its records are never the baseline.
    operated = state in AFTER_OPERATION or (
        state is S.DIED
        and EpisodeTransition.objects.filter(episode=episode, to_state=S.OPERATED.value).exists()
    )
    return Hip(
        listed_on=_listed_on(episode),
        operation_on=episode.operation_on,
        operated=operated and episode.operation_on is not None,
    )


def point_of(episode: Episode, day: dt.date) -> str:
    """The point a questionnaire or review on this day answers ("" when none)."""
    schedule = schedule_of(episode)
    if schedule is None:
        return ""
    return point_for(schedule, hip_of(episode), day) or ""


def _done(episode: Episode) -> list[Done]:
    """What the hip has done: every questionnaire and clinic review is a contact.

    One in no window ("") completes no point. A review answers its point's clinic review
    only when the X-ray findings the procedure's reviews read were looked at (at least one
    not "not assessed"): a physiotherapist's review of function is a contact, not the X-ray
    review. Struck-out reviews count for nothing.
    """
    answered = QuestionnaireResponse.objects.filter(episode=episode)
    done = [Done(r.point, r.instrument, r.completed_on) for r in answered]
    findings = get_catalogue().reviews.findings_for(episode.procedure)
    for review in FollowUpReview.objects.filter(episode=episode, struck_out_at__isnull=True):
        looked = not findings or any(
            f.get("result") != NOT_ASSESSED for f in review.findings.values()
        )
        done.append(Done(review.point if looked else "", CLINIC_REVIEW, review.seen_on))
    return done


# What a refresh sets that a person reads (a change is recorded), and what the follow-up
# worklist filters and orders on (a change moves the data's version: outcomes/worklist.py).
SHOWN = ("status", "next_point", "next_due_on", "missed", "lost_on", "fall_on")
LISTED: tuple[str, ...] = ("status", "shows_from", "overdue_from", "lost_on", "sort_on", "fall_on")
LISTED += ("next_clinic_review", "next_has_questionnaires")


def _columns(p: FollowUpProgramme, names: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(tuple(v) if isinstance(v := getattr(p, n), list) else v for n in names)


def _fall_on(episode: Episode) -> dt.date | None:
    """The latest flagged fall in score with no review held on or after its day (H65)."""
    fell = (
        QuestionnaireResponse.objects.filter(episode=episode, fall__isnull=False)
        .order_by("-completed_on")
        .values_list("completed_on", flat=True)
        .first()
    )
    if fell is None:
        return None
    seen = FollowUpReview.objects.filter(
        episode=episode, struck_out_at__isnull=True, seen_on__gte=fell
    ).exists()
    return None if seen else fell


def _locked(episode: Episode) -> FollowUpProgramme | None:
    # Lock the episode first (every writer of a hip does), then its programme.
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    for name in ("state", "operation_on"):
        setattr(episode, name, getattr(locked, name))
    return FollowUpProgramme.objects.select_for_update().filter(episode=episode).first()


@audit.atomic()
def refresh(
    episode: Episode,
    *,
    by: User | None = None,
    via: audit.Via = audit.Via.CLI,
) -> FollowUpProgramme | None:
    """Store where the hip stands on its schedule today; None when it is not followed.

    Every questionnaire and clinic review of the hip is read again (``_done``), so a struck-out
    review or response stops counting. ``by`` None is Coxa itself (the nightly sweep). Audited
    only when the stored standing changes.
    """
    programme = _locked(episode)
    state = episode.state_enum
    if state not in FOLLOWED:
        ended = ENDED_BY.get(state)
        if programme is not None and programme.status != ProgrammeStatus.ENDED and ended:
            _end(programme, episode, ended, clock.today(), by=by, via=via)
        return programme
    schedule = schedule_of(episode)
    if schedule is None:
        return programme
    resumed = (
        programme is not None
        and programme.status == ProgrammeStatus.ENDED
        and programme.ended_reason == "discharged"
    )
    if programme is not None and programme.status == ProgrammeStatus.ENDED and not resumed:
        return programme  # an ended programme stays ended (converted, withdrawn, died)
    if resumed and programme is not None:  # follow-up resumed after a discharge (ADR 0013)
        programme.ended_on, programme.ended_reason = None, ""
    catalogue = get_catalogue()
    created = programme is None
    if programme is None:
        programme = FollowUpProgramme(episode=episode)
    before = None if created else _columns(programme, SHOWN)
    listed_before = None if created else _columns(programme, LISTED)
    hip = hip_of(episode)
    today = clock.today()
    now = standing(
        schedule,
        hip,
        _done(episode),
        today,
        lost_after_days=settings.FOLLOW_UP_LOST_AFTER_DAYS,
        not_asked=frozenset(
            code
            for code, instrument in catalogue.instruments.items()
            if instrument.licensed and licence_of(code) is None
        ),
    )
    _store(programme, now, schedule.version, catalogue.version)
    programme.fall_on = _fall_on(episode)
    programme.sort_on = programme.sort_on or programme.fall_on  # a fall alone: by its day
    programme.save()
    if created or resumed or before != _columns(programme, SHOWN):
        _record(programme, episode, created=created, by=by, via=via)
    elif listed_before != _columns(programme, LISTED):
        # Unrecorded, yet the worklist's rows moved: the data's version moves too, so that a
        # count kept under it is made again (core/worklists.capped_count, H103).
        versions.count_change()
    return programme


def _store(programme: FollowUpProgramme, now: Standing, version: str, catalogue: str) -> None:
    """Set the programme's columns from where the hip stands (not saved)."""
    nxt = now.next
    programme.schedule_version = version
    programme.catalogue_version = catalogue
    programme.status = ProgrammeStatus.FINISHED if now.finished else ProgrammeStatus.ACTIVE
    programme.next_point = nxt.slot.code if nxt else ""
    programme.next_title = nxt.slot.title if nxt else ""
    programme.next_due_on = nxt.slot.due_on if nxt else None
    programme.window_opens_on = nxt.slot.opens_on if nxt else None
    programme.window_closes_on = nxt.slot.closes_on if nxt else None
    programme.next_questionnaires = list(nxt.questionnaires) if nxt else []
    programme.next_clinic_review = nxt.clinic_review if nxt else False
    programme.next_has_questionnaires = bool(programme.next_questionnaires)
    programme.lost_on = now.lost_on
    programme.overdue_from = (
        nxt.slot.due_on + dt.timedelta(days=1) if nxt and nxt.slot.code != "baseline" else None
    )
    opens = (nxt.slot.opens_on or nxt.slot.due_on) if nxt else None
    programme.shows_from = min((d for d in (opens, now.lost_on) if d), default=None)
    programme.sort_on = nxt.slot.due_on if nxt else now.lost_on
    programme.last_contact_on = now.last_contact_on
    programme.completed = list(now.completed)
    programme.missed = list(now.missed)
    programme.refreshed_at = clock.now()


def _record(
    programme: FollowUpProgramme,
    episode: Episode,
    *,
    created: bool,
    by: User | None,
    via: audit.Via,
) -> None:
    due = (
        f"next {programme.next_title or 'review'} due {short_date(programme.next_due_on)}"
        if programme.next_due_on
        else "nothing more due"
    )
    audit.record(
        actor=by,
        action="follow-up.enrol" if created else "follow-up.refresh",
        object_type="follow-up",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Follow-up {'enrolled' if created else 'updated'}: {due}",
        via=via,
        details={
            "schedule": f"{episode.procedure}@{programme.schedule_version}",
            "catalogue_version": programme.catalogue_version,
            "next_point": programme.next_point,
            "next_due_on": str(programme.next_due_on or ""),
            "missed": programme.missed,
            "lost_on": str(programme.lost_on or ""),
            "fall_on": str(programme.fall_on or ""),
        },
    )


def _end(
    programme: FollowUpProgramme,
    episode: Episode,
    reason: EndReason,
    on: dt.date,
    *,
    by: User | None,
    via: audit.Via,
) -> None:
    programme.status = ProgrammeStatus.ENDED
    programme.ended_on = on
    programme.ended_reason = reason
    programme.shows_from = programme.overdue_from = programme.lost_on = None
    programme.fall_on = None
    programme.sort_on = None
    programme.refreshed_at = clock.now()
    programme.save()
    audit.record(
        actor=by,
        action="follow-up.close",
        object_type="follow-up",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Follow-up ended on {on:%d %b %Y}: {reason}",
        via=via,
        details={"reason": reason, "schedule": f"{episode.procedure}@{programme.schedule_version}"},
    )


@audit.atomic()
def close(
    episode: Episode,
    reason: EndReason,
    *,
    on: dt.date | None = None,
    by: User | None = None,
    via: audit.Via = audit.Via.CLI,
) -> FollowUpProgramme | None:
    """End the hip's programme (a conversion, a death, a discharge): nothing more is due.

    Idempotent: an ended programme stays as it ended. None when the hip has none.
    """
    if by is not None:
        require(by, Capability.RECORD_OUTCOMES)
    if reason not in END_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    programme = _locked(episode)
    if programme is None or programme.status == ProgrammeStatus.ENDED:
        return programme
    _end(programme, episode, reason, on or clock.today(), by=by, via=via)
    return programme


@dataclass(frozen=True)
class Run:
    refreshed: int
    failed: tuple[str, ...]  # "public id: error"


def refresh_all() -> Run:
    """The nightly sweep: every followed hip (enrolled when new) and every open programme.

    Each hip is its own transaction, as Coxa itself: one that fails is logged and reported
    and the rest go on.
    """
    ids = list(
        Episode.objects.filter(
            Q(state__in=[s.value for s in FOLLOWED])
            | Q(
                pk__in=FollowUpProgramme.objects.exclude(status=ProgrammeStatus.ENDED).values(
                    "episode_id"
                )
            )
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    failed = []
    for pk in ids:
        episode = Episode.objects.select_related("patient").get(pk=pk)
        try:
            refresh(episode, by=None, via=audit.Via.CLI)
        except Exception as error:  # one broken record must not stop the night: reported
            log.exception("follow-up refresh failed for episode %s", episode.public_id)
            failed.append(f"{episode.public_id}: {error}")
    return Run(refreshed=len(ids) - len(failed), failed=tuple(failed))


def point_answered(
    episode: Episode, given: str | None, day: dt.date, problems: list[Problem]
) -> tuple[str, list[Problem]]:
    """The schedule point a response or review on ``day`` answers, or why the given one cannot.

    Not given: the point whose window holds the day ("" when none does). Given: kept when its
    window holds the day, else refused (hazard H63). No answer while ``problems`` already
    name the day.
    """
    followed = schedule_of(episode)
    if followed is None or any(p.field == "completed_on" for p in problems):
        return "", []
    hip = hip_of(episode)
    if not given:
        return point_for(followed, hip, day) or "", []
    if len(given) <= POINT_MAX and fits(followed, hip, given, day):
        return given, []
    shown = given if len(given) <= POINT_MAX else f"{given[:POINT_MAX]}…"
    return "", [
        Problem(
            ErrorCode.OUTSIDE_WINDOW,
            f"{day:%d %b %Y} is not in the window of the schedule point {shown!r} of this hip",
            "point",
        )
    ]
