"""Synthetic follow-up and surveillance programmes, stored as the services leave them.

- ``add_resurfaced``: a resurfaced hip (BHR) in follow-up, operated 1 month to 20 years ago;
  3 in 100 ended (revised or died);
- ``enrol``: metal-on-metal surveillance enrolments with their stored programme columns
  (issue 15, ADR 0024): operated 1 month to 20 years ago, most reviewed within the last year
  and next due within the coming one, some due now or overdue, about 4 in 100 flagged, 2 in
  100 awaiting a repeat of their bloods, 3 in 100 lost to follow-up, the ended hips ended;
- ``add_follow_up``: each followed hip's outcome programme (ADR 0022), worked out by the
  schedule's own domain code (``outcomes.domain.schedule.standing``) from its dates and
  what was done: most points answered on time, some missed, so that some hips are due,
  overdue or lost.
"""

import datetime as dt
import random

from data import episode_row
from rows import create


def _programme(rng, today, operated_on):
    """Stored columns of one active enrolment, as ``programme.apply`` would leave them."""
    years = (today - operated_on).days // 365
    roll = rng.random()
    reviewed = None
    if years >= 1:
        # Most reviewed within the year; a few late; some lost (no review for over 2 years).
        if roll < 0.03:
            reviewed = today - dt.timedelta(days=rng.randrange(731, 1500))
        elif roll < 0.12:
            reviewed = today - dt.timedelta(days=rng.randrange(366, 700))
        else:
            reviewed = today - dt.timedelta(days=rng.randrange(0, 366))
    routine = (
        reviewed + dt.timedelta(days=365) if reviewed else operated_on + dt.timedelta(days=365)
    )
    columns = {
        "next_kind": "review",
        "next_due_on": routine,
        "routine_on": routine,
        "repeat_due_on": None,
        "flagged_on": None,
        "flag_text": "",
        "last_review_on": reviewed,
        "last_result_on": reviewed - dt.timedelta(days=7) if reviewed else None,
        "last_imaging_on": None,
        "last_recommendation": "routine" if reviewed else "",
    }
    if reviewed and rng.random() < 0.06:
        sampled = today - dt.timedelta(days=rng.randrange(5, 150))
        columns["flagged_on"] = sampled
        columns["flag_text"] = "Cobalt 8.1 µg/L is above 7 µg/L in whole blood."
        columns["last_result_on"] = sampled
        if rng.random() < 0.35:
            repeat = sampled + dt.timedelta(days=90)
            columns["repeat_due_on"] = repeat
            if repeat < routine:
                columns["next_kind"], columns["next_due_on"] = "repeat-bloods", repeat
        elif rng.random() < 0.5:
            columns["next_kind"], columns["next_due_on"] = "imaging", sampled
    due = columns["next_due_on"]
    columns["shows_from"] = due - dt.timedelta(days=42)
    columns["lost_on"] = due + dt.timedelta(days=365)
    columns["sort_on"] = min(d for d in (due, columns["flagged_on"]) if d is not None)
    return columns


def add_resurfaced(user, patient_ids, *, taken=None, seed=15):
    """A resurfaced hip in follow-up for each patient (3 in 100 ended), on the side not in
    ``taken`` (patient id to the side of a hip they have). The hips, as made."""
    from coxa.pathways.models import Episode

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    hips = []
    for pk in patient_ids:
        operated_on = today - dt.timedelta(days=rng.randrange(30, 20 * 365))
        ended = rng.random() < 0.03
        side = rng.choice(("left", "right"))
        if taken and pk in taken:
            side = "right" if taken[pk] == "left" else "left"
        hips.append(
            episode_row(
                patient_id=pk,
                side=side,
                procedure="bhr",
                state=rng.choice(("converted", "died")) if ended else "follow-up",
                referred_on=operated_on - dt.timedelta(days=120),
                state_changed_at=now,
                operation_on=operated_on,
                created_by=user,
            )
        )
    return create(Episode, hips)


def enrol(hips, *, seed=15):
    """Enrol each resurfaced hip (pk, state, operation_on) in surveillance; ended ones ended."""
    from coxa.surveillance.models import Enrolment

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    rows = []
    for pk, state, operated_on in hips:
        common = {
            "episode_id": pk,
            "source": "operation-note" if rng.random() < 0.9 else "recorded-elsewhere",
            "implant": "resurfacing",
            "head_mm": rng.choice((46, 48, 50, 52, 54, 56)),
            "operated_on": operated_on,
            "enrolled_on": max(operated_on, today - dt.timedelta(days=400)),
            "rule_code": "conservative-yearly",
            "rule_version": "2026.1",
            "rule_checked": False,
            "interval_days": 365,
            "needs_bloods": True,
            "needs_imaging": False,
            "refreshed_at": now,
        }
        if state in ("converted", "died"):
            ended_on = today - dt.timedelta(days=rng.randrange(1, 700))
            reason = "revised" if state == "converted" else "died"
            rows.append(
                Enrolment(
                    **common, status="ended", ended_on=ended_on, ended_reason=reason, next_kind=""
                )
            )
        else:
            rows.append(Enrolment(**common, status="active", **_programme(rng, today, operated_on)))
    create(Enrolment, rows)
    return len(rows)


def _done(rng, schedule, hip, today):
    """What a hip did: each point whose window opened, answered on its day 85 times in 100."""
    from coxa.outcomes.domain.schedule import CLINIC_REVIEW, Done, slots

    done = []
    for slot in slots(schedule, hip):
        if slot.opens_on is not None and slot.opens_on > today:
            break
        if rng.random() < 0.85:
            on = min(today, max(slot.opens_on or slot.due_on, slot.due_on))
            wanted = [*slot.questionnaires, *([CLINIC_REVIEW] if slot.clinic_review else [])]
            done += [Done(slot.code, what, on) for what in wanted]
    return done


def add_follow_up(*, seed=22):
    """A stored follow-up programme for every followed hip (listed up to follow-up)."""
    from django.conf import settings

    from coxa.catalogue.loader import get_catalogue
    from coxa.core import clock
    from coxa.outcomes.domain.schedule import FOLLOWED, Hip, standing
    from coxa.outcomes.models import FollowUpProgramme
    from coxa.outcomes.selectors import licence_of
    from coxa.outcomes.services.schedule import _store  # the service's own columns
    from coxa.pathways.domain import AFTER_OPERATION
    from coxa.pathways.models import Episode

    rng = random.Random(seed)
    today = clock.today()
    catalogue = get_catalogue()
    not_asked = frozenset(
        code for code, i in catalogue.instruments.items() if i.licensed and licence_of(code) is None
    )
    followed = Episode.objects.filter(state__in=[s.value for s in FOLLOWED]).values_list(
        "pk", "procedure", "state", "referred_on", "operation_on"
    )
    rows = []
    for pk, procedure, state, referred_on, operation_on in list(followed):
        schedule = catalogue.procedures[procedure].follow_up
        operated = state in {s.value for s in AFTER_OPERATION} and operation_on is not None
        listed_on = min(today, referred_on + dt.timedelta(days=30))
        hip = Hip(listed_on, operation_on, operated)
        now = standing(
            schedule,
            hip,
            _done(rng, schedule, hip, today),
            today,
            lost_after_days=settings.FOLLOW_UP_LOST_AFTER_DAYS,
            not_asked=not_asked,
        )
        programme = FollowUpProgramme(episode_id=pk)
        _store(programme, now, schedule.version, catalogue.version)
        rows.append(programme)
    create(FollowUpProgramme, rows)
    return len(rows)
