"""The clinical groups of the home pages, each read through the list its app owns.

Every group is a list its app owns (``assessment/worklist.py``, ``surgery/worklist.py``,
``outcomes/worklist.py``, ``surveillance/worklist.py``), read over stored, indexed columns:
each group costs the same queries however many hips (ADR 0018). The page's read is one
audit record naming every hip shown (``core/worklists.record_read``). Nothing here decides
what a hip needs: the rule is its app's (hazard H75).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from coxa.accounts.models import User
from coxa.assessment import worklist as assessment
from coxa.core import clock
from coxa.core.pagination import PageRequest
from coxa.core.worklists import Split, page_of
from coxa.outcomes import worklist as follow_up
from coxa.outcomes.domain.schedule import Status
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery import worklist as theatre
from coxa.surveillance import worklist as surveillance
from coxa.workspace.domain.home import (
    ANAESTHETIC_DAYS,
    ASA_QUESTION,
    SHOWN,
    THEATRE_DAYS,
    Group,
    Item,
    anaesthetic_question,
    group,
    hip_words,
)

SOON = 14  # an operation within two weeks makes a hip that is not ready urgent
Built = list[Group]


def _item(episode: Episode, what: str, task: str, **more: Any) -> Item:
    patient = episode.patient
    return Item(
        what=what,
        task=task,
        key=episode.public_id,
        patient=patient.display_name,
        number=patient.hospital_number or "",
        hip=hip_words(episode.side, episode.procedure_title),
        episode=episode.public_id,
        **more,
    )


def _take(
    rows: QuerySet[Any], shape: Callable[[Any], Item], split: Split | None = None
) -> tuple[list[Item], int, bool]:
    """The first SHOWN rows shaped, and their count up to the cap (none asked if all fit).

    ``split``: the list's own split (its app's), read part by part (core/worklists.page_of).
    """
    first = page_of(rows, PageRequest(number=1, size=SHOWN), shape, split=split, by_version=True)
    return first.rows, first.count, first.capped


def _list_item(booking: Any, today: dt.date) -> Item:
    episode = booking.episode
    scheduled = episode.state == EpisodeState.SCHEDULED
    what = booking.theatre_list or "Theatre list"
    if not scheduled:
        what += f": booked, but {episode.state_label.lower()}"
    passed = booking.operation_on < today
    if passed:
        what += ": the day has passed and the operation note is not signed"
    return _item(
        episode,
        what,
        "surgery:operation",
        on=booking.operation_on,
        at=booking.starts_at,
        urgent=not scheduled or passed,
        anchor="booking-h",
    )


def theatre_lists(actor: User, today: dt.date, *, mine: bool) -> Group:
    rows = theatre.theatre_lists(
        actor=actor,
        first=today,
        last=today + dt.timedelta(days=THEATRE_DAYS),
        surgeon=actor if mine else None,
    )
    items, count, capped = _take(rows, lambda b: _list_item(b, today))
    return group(
        "theatre",
        "My theatre lists: today and the next two weeks" if mine else "Theatre lists",
        "No operations booked for you in the next two weeks"
        if mine
        else "No operations booked in the next two weeks",
        items,
        count,
        more="surgery:worklist",
        more_label="Theatre and recovery worklist",
        capped=capped,
        urgent_first=False,
    )


def unsigned(actor: User, today: dt.date) -> Group:
    late = clock.now() - theatre.UNSIGNED_AFTER

    def shape(note: Any) -> Item:
        return _item(
            note.episode,
            f"Operation note written {note.written_at:%-d %b %Y}, not signed",
            "surgery:operation",
            on=note.operated_on,
            urgent=note.written_at < late,
            anchor="note-h",
        )

    items, count, capped = _take(theatre.unsigned_notes(actor=actor, surgeon=actor), shape)
    return group(
        "unsigned",
        "Operation notes to sign",
        "No notes waiting for your signature",
        items,
        count,
        capped=capped,
    )


def cautions(actor: User, today: dt.date) -> Group:
    def shape(episode: Episode) -> Item:
        cautions = assessment.waiting_of(getattr(episode, "readiness", None)).cautions
        more = f" (and {len(cautions) - 1} more)" if len(cautions) > 1 else ""
        return _item(
            episode,
            f"Acknowledge: {cautions[0]}{more}",
            "assessment:clinic",
            on=episode.operation_on,
            urgent=_soon(episode, today),
        )

    rows = assessment.with_cautions(actor=actor)
    items, count, capped = _take(rows, shape, assessment.by_state())
    return group(
        "cautions",
        "Cautions waiting for a surgeon's acknowledgement",
        "No cautions waiting for acknowledgement",
        items,
        count,
        more="assessment:worklist",
        more_label="Pre-assessment worklist",
        capped=capped,
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _soon(episode: Episode, today: dt.date) -> bool:
    on = episode.operation_on
    return on is not None and on <= today + dt.timedelta(days=SOON)


def surveillance_list(actor: User, today: dt.date, status: str, title: str, empty: str) -> Group:
    def shape(enrolment: Any) -> Item:
        codes = surveillance.statuses_of(enrolment, today)
        return _item(
            enrolment.episode,
            ", ".join(surveillance.STATUSES[c] for c in codes) or "Due",
            "surveillance:hip",
            on=enrolment.flagged_on or enrolment.repeat_due_on or enrolment.next_due_on,
            urgent=bool({"flagged", "overdue", "lost"} & set(codes)),
        )

    rows = surveillance.worklist(actor=actor, query=surveillance.SurveillanceQuery(status=status))
    items, count, capped = _take(rows, shape)
    return group(
        f"surveillance-{status or 'any'}",
        title,
        empty,
        items,
        count,
        more="surveillance:worklist",
        more_query=f"status={status}" if status else "",
        more_label="Surveillance worklist",
        capped=capped,
    )


def reviews(actor: User, today: dt.date) -> Group:
    def shape(programme: Any) -> Item:
        status = programme.status_on(today)
        late = status in (Status.OVERDUE, Status.LOST) or programme.fall_on is not None
        what = f"{programme.next_title}: clinic review" if programme.next_title else "Clinic review"
        if programme.fall_on is not None:
            what = f"Fall in score on {programme.fall_on:%-d %b %Y}; {what.lower()}"
        return _item(
            programme.episode,
            what + (f" ({status.label.lower()})" if status is not None else ""),
            "outcomes:reviews",
            on=programme.next_due_on,
            urgent=late,
        )

    rows = follow_up.worklist(actor=actor, query=follow_up.FollowUpQuery(due="clinic-review"))
    items, count, capped = _take(rows, shape, follow_up.BY_STATUS)
    return group(
        "reviews",
        "Follow-up clinic reviews due",
        "No follow-up reviews due",
        items,
        count,
        more="outcomes:worklist",
        more_query="due=clinic-review",
        more_label="Follow-up worklist",
        capped=capped,
    )


def not_ready(actor: User, today: dt.date) -> Group:
    def shape(episode: Episode) -> Item:
        on = episode.operation_on
        return _item(
            episode,
            episode.state_label
            + (f", operation {on:%-d %b %Y}" if on else ", no operation date yet"),
            "assessment:clinic",
            on=on,
            urgent=_soon(episode, today),
        )

    items, count, capped = _take(
        assessment.not_ready(actor=actor), shape, assessment.by_state(*assessment.NOT_READY)
    )
    return group(
        "not-ready",
        "Not yet ready for surgery (soonest operation first)",
        "No listed or optimising hips waiting",
        items,
        count,
        more="assessment:worklist",
        more_label="Pre-assessment worklist",
        capped=capped,
        urgent_first=False,
    )


def decisions(actor: User, today: dt.date) -> Group:
    def pending(episode: Episode) -> tuple[tuple[str, str], ...]:
        return assessment.waiting_of(getattr(episode, "readiness", None)).decisions

    def shape(episode: Episode) -> Item:
        named = "; ".join(f"{medicine} ({kind})" for medicine, kind in pending(episode))
        return _item(
            episode,
            f"A clinician decides: {named}",
            "assessment:clinic",
            on=episode.operation_on,
            urgent=_soon(episode, today),
        )

    items, count, capped = _take(assessment.undecided(actor=actor), shape, assessment.by_state())
    return group(
        "decisions",
        "Medicine decisions waiting",
        "No medicine decisions waiting",
        items,
        count,
        capped=capped,
    )


def expiring(actor: User, today: dt.date) -> Group:
    def shape(episode: Episode) -> Item:
        snapshot = getattr(episode, "readiness", None)
        expired = snapshot is not None and snapshot.expired_count
        runs_out = snapshot.expires_on if snapshot is not None else None
        what = (
            "A result is out of date, or will be by the operation"
            if expired
            else f"A result runs out on {runs_out:%-d %b %Y}"
            if runs_out
            else "A result runs out soon"
        )
        return _item(episode, what, "assessment:clinic", on=episode.operation_on, urgent=True)

    items, count, capped = _take(assessment.expiring(actor=actor), shape, assessment.by_state())
    return group(
        "expiring",
        "Results expiring before the operation",
        "No results expiring before an operation",
        items,
        count,
        more="assessment:worklist",
        more_query="flag=expiring",
        more_label="Pre-assessment worklist",
        capped=capped,
    )


def anaesthetic(actor: User, today: dt.date) -> Group:
    """Hips operated on in the next four weeks with a reason for an anaesthetist to see them.

    The reasons are stored columns (the readiness's ``decisions_waiting``, the newest ASA
    grade, the state), so the list is filtered, counted and paged in the database.
    """
    ready = (EpisodeState.READY.value, EpisodeState.SCHEDULED.value)

    def shape(episode: Any) -> Item:
        stored = getattr(episode, "readiness", None)
        question = anaesthetic_question(
            asa=episode.asa,
            decisions=stored.decisions_waiting if stored is not None else 0,
            ready=episode.state in ready,
        )
        return _item(
            episode,
            _sentence(question),
            "assessment:clinic",
            on=episode.operation_on,
            urgent=episode.state not in ready,
        )

    rows = (
        assessment.operating_between(
            actor=actor, first=today, last=today + dt.timedelta(days=ANAESTHETIC_DAYS)
        )
        .filter(
            Q(readiness__decisions_waiting__gt=0)
            | Q(asa__in=sorted(ASA_QUESTION))
            | ~Q(state__in=ready)
        )
        .defer("readiness__panel")
    )
    items, count, capped = _take(rows, shape)
    return group(
        "anaesthetic",
        "Operations in the next four weeks with an anaesthetic question",
        "No anaesthetic questions for the next four weeks",
        items,
        count,
        capped=capped,
        urgent_first=False,
    )


def ward(actor: User, today: dt.date) -> Group:
    def shape(note: Any) -> Item:
        return _item(
            note.episode,
            "On the ward: operated, not yet discharged",
            "surgery:operation",
            on=note.operated_on,
            anchor="discharge-h",
        )

    rows = theatre.rows_of("awaiting-discharge", actor=actor, today=today)
    items, count, capped = _take(rows, shape)
    return group(
        "ward",
        "Patients on the ward",
        "No patients on the ward",
        items,
        count,
        more="surgery:worklist",
        more_label="Theatre and recovery worklist",
        capped=capped,
    )


def physiotherapy(actor: User, today: dt.date) -> Group:
    def shape(appointment: Any) -> Item:
        overdue = appointment.due_on < today
        return _item(
            appointment.episode,
            appointment.title + (" (overdue)" if overdue else " (today)"),
            "surgery:operation",
            on=appointment.due_on,
            urgent=overdue,
            anchor="physio-h",
        )

    rows = theatre.rows_of("physiotherapy", actor=actor, today=today).filter(due_on__lte=today)
    items, count, capped = _take(rows, shape)
    return group(
        "physiotherapy",
        "Physiotherapy reviews due today or overdue",
        "No physiotherapy reviews due today",
        items,
        count,
        more="surgery:worklist",
        more_label="Theatre and recovery worklist",
        capped=capped,
    )
