"""The episode's steps: the facts gathered from each owning app, and a link for each task.

The page that shows them has already checked the viewer's permission and recorded the read;
this reads only what the steps need (a fixed number of queries) and records nothing itself.
A task's link is offered only to a role the permission table admits to its page, and named for
the action only when the role may also take that action (``accounts.permissions.admits``).
"""

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from coxa.accounts.permissions import Op, admits
from coxa.assessment import selectors as assessment
from coxa.assessment.domain.requirements import RequirementStatus
from coxa.assessment.worklist import waiting_of
from coxa.core import clock
from coxa.core.words import day_month_year
from coxa.decisions.domain.findings import Candidacy
from coxa.outcomes.selectors import programme_due
from coxa.pathways.domain import EpisodeState, may_move
from coxa.pathways.models import Episode
from coxa.pathways.selectors import followed_for_life
from coxa.surgery import selectors as surgery
from coxa.surgery.domain.recovery import PHYSIOTHERAPY_REVIEW
from coxa.surgery.models import Discharge, PlanAppointment
from coxa.surveillance.models import Enrolment, EnrolmentStatus
from coxa.workspace.domain.steps import EpisodeFacts, StepView, Task, Timeline, timeline

# Each task: its page (URL name, fragment), the row to open it, and the row to take the action.
_PAGES: dict[Task, tuple[str, str, Op, Op]] = {
    Task.DECISION: ("assessment:decision", "", Op.PAGE_DECISION, Op.PAGE_DECIDE),
    Task.MOVE: ("pathways:episode", "#move-heading", Op.PAGE_EPISODE, Op.PAGE_EPISODE_MOVE),
    Task.CLINIC: ("assessment:clinic", "", Op.PAGE_CLINIC, Op.PAGE_CLINIC_RECORD),
    Task.ACKNOWLEDGE: ("assessment:clinic", "", Op.PAGE_CLINIC, Op.PAGE_ACKNOWLEDGE),
    # Consent is read on the operation page; the role that takes it goes to its own page.
    Task.CONSENT: ("surgery:operation", "#consent-h", Op.PAGE_OPERATION, Op.PAGE_CONSENT),
    Task.BOOK: ("surgery:operation", "", Op.PAGE_OPERATION, Op.PAGE_SCHEDULE),
    Task.SIGN: ("surgery:operation", "", Op.PAGE_OPERATION, Op.PAGE_NOTE),
    Task.DISCHARGE: ("surgery:operation", "", Op.PAGE_OPERATION, Op.PAGE_DISCHARGE),
    Task.RECOVERY: ("surgery:operation", "", Op.PAGE_OPERATION, Op.PAGE_PHYSIO_REVIEW),
    Task.REVIEWS: ("outcomes:reviews", "", Op.PAGE_REVIEWS, Op.PAGE_REVIEW_RECORD),
    Task.QUESTIONNAIRES: (
        "outcomes:questionnaires",
        "",
        Op.PAGE_QUESTIONNAIRES,
        Op.PAGE_QUESTIONNAIRE_RECORD,
    ),
    Task.SURVEILLANCE: (
        "surveillance:hip",
        "",
        Op.PAGE_SURVEILLANCE,
        Op.PAGE_SURVEILLANCE_RECORD,
    ),
}


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class ShownStep:
    step: StepView
    link: Link | None


@dataclass(frozen=True, slots=True)
class ShownTimeline:
    steps: tuple[ShownStep, ...]
    timeline: Timeline


def _readiness_facts(episode: Episode) -> dict[str, object]:
    stored = assessment.readiness_of(episode)
    if stored is None:
        return {}
    panel = stored.panel
    open_statuses = {RequirementStatus.MISSING, RequirementStatus.EXPIRED}
    rows = [(r["title"], RequirementStatus(r["status"])) for r in panel.get("requirements", ())]
    return {
        "readiness_checked": True,
        "candidacy": Candidacy(panel["candidacy"]) if panel.get("candidacy") else None,
        "cautions_waiting": waiting_of(stored).cautions,
        "gate_problems": tuple(p["message"] for p in panel.get("gate", {}).get("problems", ())),
        "requirements_open": tuple(
            f"{title}: {'missing' if status is RequirementStatus.MISSING else 'out of date'}"
            for title, status in rows
            if status in open_statuses
        ),
        "requirements_total": len(rows),
    }


def _surgery_facts(episode: Episode, today: dt.date) -> dict[str, object]:
    facts: dict[str, object] = {}
    consent = surgery.live_consent(episode)
    if consent is not None:
        facts["consent_on"] = consent.taken_at.date()
        facts["consent_withdrawn"] = consent.is_withdrawn
        facts["consent_matches"] = (consent.procedure, consent.side) == (
            episode.procedure,
            episode.side,
        )
    booking = surgery.booking_of(episode)
    if booking is not None:
        facts["booked_on"] = booking.operation_on
        who = booking.surgeon.get_full_name() or booking.surgeon.username
        facts["booked_with"] = ", ".join(x for x in (who, booking.theatre_list) if x)
    note = surgery.signature_of(episode)
    if note is not None:
        facts["note_written"] = True
        if note.signed_at is not None and note.signed_by is not None:
            facts["signed_on"] = note.operated_on
            facts["signed_by"] = note.signed_by.get_full_name() or note.signed_by.username
    discharge = Discharge.objects.filter(episode=episode).only("discharged_on").first()
    if discharge is not None:
        facts["discharged_on"] = discharge.discharged_on
    waiting = PlanAppointment.objects.filter(episode=episode, reviewed_on__isnull=True)
    upcoming = waiting.filter(due_on__gte=today).order_by("due_on", "key").first()
    if upcoming is not None:
        facts["next_appointment"] = (upcoming.title, upcoming.due_on)
    # Only a physiotherapy review is ever marked reviewed (surgery.services.appointments): a
    # wound check or a clinic visit past its day is not "overdue" here.
    facts["overdue_appointments"] = waiting.filter(
        kind=PHYSIOTHERAPY_REVIEW, due_on__lt=today
    ).count()
    return facts


def _later_facts(episode: Episode, followed: bool) -> dict[str, object]:
    facts: dict[str, object] = {}
    programme = programme_due(episode)
    if programme is not None and programme.next_due_on is not None:
        facts["follow_up_next"] = (programme.next_title, programme.next_due_on)
    if followed:
        enrolment = Enrolment.objects.filter(episode=episode).first()
        if enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE:
            facts["surveillance_next"] = enrolment.next_due_on
            facts["surveillance_flag"] = enrolment.flag_text
    return facts


def _ended(episode: Episode) -> str:
    state = episode.state_enum
    if state in (EpisodeState.WITHDRAWN, EpisodeState.DIED, EpisodeState.CONVERTED):
        return f"{state.label} on {day_month_year(episode.state_changed_at.date())}."
    return ""


def facts_of(episode: Episode) -> EpisodeFacts:
    """Everything the steps read, from the owning apps' stored records."""
    today = clock.today()
    followed = followed_for_life(episode)
    return EpisodeFacts(
        state=episode.state_enum,
        today=today,
        referred_on=episode.referred_on,
        followed_for_life=followed,
        ended=_ended(episode),
        **_readiness_facts(episode),  # type: ignore[arg-type]
        **_surgery_facts(episode, today),  # type: ignore[arg-type]
        **_later_facts(episode, followed),  # type: ignore[arg-type]
    )


def _link(step: StepView, episode: Episode, role: str) -> Link | None:
    if step.task is None:
        return None
    name, fragment, view, act = _PAGES[step.task]
    if not admits(view, role):
        return None
    may_act = admits(act, role)
    if step.task is Task.MOVE:  # the table admits the page; the pathway decides the move
        may_act = may_act and may_move(role, episode.state_enum, EpisodeState.LISTED)
        if not may_act:
            return None
    if may_act:
        if step.task is Task.CONSENT:
            return Link(step.task_label, reverse("surgery:consent", args=[episode.public_id]))
        return Link(step.task_label, reverse(name, args=[episode.public_id]) + fragment)
    return Link("View", reverse(name, args=[episode.public_id]) + fragment)


def steps_of(episode: Episode, role: str) -> ShownTimeline:
    """The episode's timeline with a link for each task this role may open."""
    shown = timeline(facts_of(episode))
    return ShownTimeline(
        tuple(ShownStep(step, _link(step, episode, role)) for step in shown.steps), shown
    )
