"""The episode as a timeline of steps: what is done, what is missing, what blocks the next state.

Pure: it reads the facts the selector gathered (``EpisodeFacts``) and says, step by step in the
order a clinic works, whether each is done, needs doing now, is blocked, or comes later, and
which page does it (``Task``). It decides nothing the owning apps have not decided: readiness
is the assessment's stored gate (ADR 0010), booking needs current consent (surgery), the
operation is done when its note is signed, recovery when the discharge is recorded, and
follow-up and surveillance come from their stored programmes (ADR 0022, ADR 0024).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from coxa.core.words import day_month_year
from coxa.decisions.domain.findings import Candidacy
from coxa.pathways.domain import EpisodeState

S = EpisodeState


class Status(StrEnum):
    DONE = "done"
    NOW = "now"  # to do now: it is this step's turn
    BLOCKED = "blocked"  # its turn, but something must happen first
    LATER = "later"  # a later step
    ENDED = "ended"  # the episode closed before this step

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DONE: "Done",
    Status.NOW: "To do",
    Status.BLOCKED: "Blocked",
    Status.LATER: "Later",
    Status.ENDED: "Not reached",
}


class Task(StrEnum):
    """The page that does a step; the selector turns it into a link the viewer may open."""

    DECISION = "decision"  # decision support: candidacy
    MOVE = "move"  # the episode page's move form
    CLINIC = "clinic"  # pre-assessment: record what is missing
    ACKNOWLEDGE = "acknowledge"  # a surgeon acknowledges cautions (on the clinic page)
    CONSENT = "consent"
    BOOK = "book"  # the operation page: booking
    SIGN = "sign"  # the operation page: the note and its signature
    DISCHARGE = "discharge"  # the operation page: the discharge
    RECOVERY = "recovery"  # the operation page: the recovery plan and physiotherapy reviews
    REVIEWS = "reviews"  # follow-up clinic reviews
    QUESTIONNAIRES = "questionnaires"
    SURVEILLANCE = "surveillance"


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """What the steps read, gathered by ``workspace.selectors.steps`` from the owning apps."""

    state: EpisodeState
    today: dt.date
    referred_on: dt.date
    candidacy: Candidacy | None = None  # None: never evaluated
    cautions_waiting: tuple[str, ...] = ()  # cautions no surgeon has acknowledged yet
    gate_problems: tuple[str, ...] = ()  # why the hip is not ready (the stored gate)
    requirements_open: tuple[str, ...] = ()  # requirement titles missing or expired
    requirements_total: int = 0
    readiness_checked: bool = False  # the readiness check has run for this hip
    consent_on: dt.date | None = None  # the current consent's day
    consent_withdrawn: bool = False
    consent_matches: bool = True  # the consent is to this procedure on this side
    booked_on: dt.date | None = None  # the operation day booked
    booked_with: str = ""  # the surgeon and list, in words
    note_written: bool = False
    signed_on: dt.date | None = None
    signed_by: str = ""
    discharged_on: dt.date | None = None
    next_appointment: tuple[str, dt.date] | None = None  # the next recovery appointment
    overdue_appointments: int = 0
    follow_up_next: tuple[str, dt.date] | None = None
    followed_for_life: bool = False
    surveillance_next: dt.date | None = None
    surveillance_flag: str = ""
    ended: str = ""  # how the episode ended, in words ("Withdrawn on 3 May 2026: ...")


@dataclass(frozen=True, slots=True)
class StepView:
    title: str
    status: Status
    summary: str  # what is done, or what this step is waiting for, in words
    details: tuple[str, ...] = ()  # what is missing or blocks it
    task: Task | None = None
    task_label: str = ""


@dataclass(frozen=True, slots=True)
class Timeline:
    steps: tuple[StepView, ...]
    next_state: EpisodeState | None  # the state the hip moves to next, if any
    blockers: tuple[str, ...] = ()  # what stands in the way of it

    @property
    def current(self) -> StepView | None:
        """The first step that is not done: where the team is."""
        return next((s for s in self.steps if s.status in (Status.NOW, Status.BLOCKED)), None)


_ORDER: tuple[EpisodeState, ...] = (
    S.REFERRED,
    S.ASSESSED,
    S.LISTED,
    S.OPTIMISING,
    S.READY,
    S.SCHEDULED,
    S.OPERATED,
    S.RECOVERING,
    S.FOLLOW_UP,
    S.COMPLETED,
)
_CLOSED_EARLY = frozenset({S.WITHDRAWN, S.DIED})


def _reached(facts: EpisodeFacts, state: EpisodeState) -> bool:
    """Whether the episode has been through ``state`` (a converted hip was operated)."""
    if facts.state is S.CONVERTED:  # it was operated; what followed, its own records say
        return _ORDER.index(state) <= _ORDER.index(S.OPERATED)
    if facts.state in _CLOSED_EARLY:
        return False
    return _ORDER.index(facts.state) >= _ORDER.index(state)


def _day(day: dt.date) -> str:
    return day_month_year(day)


def _consented(facts: EpisodeFacts) -> bool:
    """Consent that stands: taken, not withdrawn, and to this procedure on this side."""
    return facts.consent_on is not None and not facts.consent_withdrawn and facts.consent_matches


NO_CONSENT = "The patient's current consent to this procedure on this side."


def _turn(facts: EpisodeFacts, done: bool, its_turn: bool) -> Status:
    if done:
        return Status.DONE
    if facts.state in _CLOSED_EARLY or facts.state is S.CONVERTED:
        return Status.ENDED
    return Status.NOW if its_turn else Status.LATER


def _assessment(facts: EpisodeFacts) -> StepView:
    done = _reached(facts, S.ASSESSED)
    verdict = facts.candidacy.label if facts.candidacy is not None else "Not yet evaluated"
    details: tuple[str, ...] = ()
    status = _turn(facts, done, facts.state is S.REFERRED)
    if facts.candidacy is Candidacy.CONTRAINDICATED and not _reached(facts, S.OPERATED):
        status = Status.BLOCKED if status is not Status.ENDED else status
        details = ("The decision engine finds this procedure not suitable for this hip.",)
    return StepView(
        "Assessment and decision",
        status,
        f"Candidacy: {verdict}.",
        details,
        Task.DECISION,
        "Open decision support",
    )


def _listing(facts: EpisodeFacts) -> StepView:
    done = _reached(facts, S.LISTED)
    return StepView(
        "Listed for surgery",
        _turn(facts, done, facts.state is S.ASSESSED),
        "Listed for surgery." if done else "The surgeon lists the hip once the decision is made.",
        (),
        None if done else Task.MOVE,
        "" if done else "Move the hip on",
    )


def _readiness(facts: EpisodeFacts) -> StepView:
    """Done only when the stored gate holds (or the hip was operated): never from the state alone.

    The gate keeps judging a ready or scheduled hip (for its operation day); its problems
    block the step whatever the state says.
    """
    operated = _reached(facts, S.OPERATED)
    gate_holds = facts.readiness_checked and not facts.gate_problems
    done = operated or (_reached(facts, S.READY) and gate_holds)
    its_turn = facts.state in (S.LISTED, S.OPTIMISING, S.READY, S.SCHEDULED)
    details: tuple[str, ...] = ()
    if not operated:
        details = tuple(facts.requirements_open) + tuple(
            p for p in facts.gate_problems if p not in facts.requirements_open
        )
        if facts.cautions_waiting:
            details += tuple(f"Caution to acknowledge: {c}" for c in facts.cautions_waiting)
        if not facts.readiness_checked:  # unknown is never normal
            details += ("The readiness check has not run: nothing is recorded for it yet.",)
    met = facts.requirements_total - len(facts.requirements_open)
    if done and not operated:
        summary = "Ready for surgery: the readiness check holds."
    elif operated:
        summary = "Ready when operated."
    elif facts.requirements_total:
        summary = f"{met} of {facts.requirements_total} requirements met."
    else:
        summary = "Pre-assessment records what the readiness check needs."
    task, label = Task.CLINIC, "Open the pre-assessment clinic"
    if its_turn and facts.cautions_waiting and not facts.requirements_open:
        task, label = Task.ACKNOWLEDGE, "Acknowledge the cautions"
    status = _turn(facts, done, its_turn)
    if status is Status.NOW and details:
        status = Status.BLOCKED
    return StepView("Pre-assessment and readiness", status, summary, details, task, label)


def _consent(facts: EpisodeFacts) -> StepView:
    done = _consented(facts)
    details: tuple[str, ...] = ()
    if done and facts.consent_on is not None:
        summary = f"Consent taken on {_day(facts.consent_on)}."
    elif facts.consent_withdrawn:
        summary = "The patient withdrew their consent."
    elif facts.consent_on is not None:
        summary = "The consent recorded is not to this procedure on this side."
    else:
        summary = "No consent recorded yet: booking needs it."
    its_turn = facts.state in (S.LISTED, S.OPTIMISING, S.READY, S.SCHEDULED)
    if _reached(facts, S.OPERATED):
        done = True
        summary = summary if facts.consent_on else "Consent was taken before the operation."
    status = _turn(facts, done, its_turn)
    if status is Status.NOW and facts.state in (S.READY, S.SCHEDULED):
        status, details = Status.BLOCKED, (NO_CONSENT,)  # booking and signing wait for it
    return StepView("Consent", status, summary, details, Task.CONSENT, "Take consent")


def _booking(facts: EpisodeFacts) -> StepView:
    done = _reached(facts, S.SCHEDULED)
    details: tuple[str, ...] = ()
    if facts.booked_on is not None:
        summary = f"Booked for {_day(facts.booked_on)}" + (
            f" ({facts.booked_with})." if facts.booked_with else "."
        )
    else:
        summary = "Not booked yet."
    its_turn = facts.state is S.READY
    status = _turn(facts, done, its_turn)
    if status is Status.NOW and not _consented(facts):
        status, details = Status.BLOCKED, (NO_CONSENT,)
    return StepView("Booking", status, summary, details, Task.BOOK, "Book the operation")


def _operation(facts: EpisodeFacts) -> StepView:
    done = _reached(facts, S.OPERATED)
    if facts.signed_on is not None:
        summary = f"Operation note signed on {_day(facts.signed_on)}" + (
            f" by {facts.signed_by}." if facts.signed_by else "."
        )
    elif facts.note_written:
        summary = "The operation note is written and waits for the surgeon's signature."
    elif done:
        summary = "Operated."
    else:
        summary = "The surgeon writes and signs the operation note on the day."
    its_turn = facts.state is S.SCHEDULED
    label = "Sign the operation note" if facts.note_written else "Write the operation note"
    status = _turn(facts, done, its_turn)
    details: tuple[str, ...] = ()
    if status is Status.NOW:
        details = (() if _consented(facts) else (NO_CONSENT,)) + facts.gate_problems
        if not facts.readiness_checked:
            details += ("The readiness check has not run.",)
        status = Status.BLOCKED if details else status
    return StepView("Operation", status, summary, details, Task.SIGN, label)


def _discharge(facts: EpisodeFacts) -> StepView:
    done = facts.discharged_on is not None or _reached(facts, S.RECOVERING)
    summary = (
        f"Discharged on {_day(facts.discharged_on)}."
        if facts.discharged_on is not None
        else ("Discharged." if done else "The ward records the discharge.")
    )
    status = _turn(facts, done, facts.state is S.OPERATED)
    return StepView("Discharge", status, summary, (), Task.DISCHARGE, "Record the discharge")


def _recovery(facts: EpisodeFacts) -> StepView:
    done = _reached(facts, S.FOLLOW_UP)
    details: tuple[str, ...] = ()
    if facts.next_appointment is not None:
        title, due = facts.next_appointment
        summary = f"Next: {title} on {_day(due)}."
    elif done:
        summary = "Rehabilitation complete."
    else:
        summary = "The recovery plan starts when the operation note is signed."
    if facts.overdue_appointments:
        details = (f"{facts.overdue_appointments} recovery appointment(s) overdue.",)
    status = _turn(facts, done, facts.state is S.RECOVERING)
    if status is Status.NOW and details:
        status = Status.BLOCKED
    return StepView(
        "Recovery plan", status, summary, details, Task.RECOVERY, "Record a physiotherapy review"
    )


def _follow_up(facts: EpisodeFacts) -> StepView:
    done = facts.state is S.COMPLETED
    details: tuple[str, ...] = ()
    if facts.follow_up_next is not None:
        title, due = facts.follow_up_next
        summary = f"Next: {title}, due {_day(due)}."
        if due < facts.today:
            details = (f"Overdue since {_day(due)}.",)
    elif done:
        summary = "Discharged from follow-up."
    else:
        summary = "Follow-up starts after recovery."
    status = _turn(facts, done, facts.state is S.FOLLOW_UP)
    if facts.state is S.CONVERTED and _reached(facts, S.OPERATED):
        status = Status.ENDED
    return StepView("Follow-up", status, summary, details, Task.REVIEWS, "Open follow-up reviews")


def _surveillance(facts: EpisodeFacts) -> StepView:
    details = (facts.surveillance_flag,) if facts.surveillance_flag else ()
    if facts.surveillance_next is not None:
        summary = f"Next check due {_day(facts.surveillance_next)}."
    elif facts.state is S.CONVERTED:
        summary = "Surveillance ended with the conversion or revision."
    else:
        summary = "Followed for life once operated, with regular checks of the metal-on-metal hip."
    operated = _reached(facts, S.OPERATED)
    status = _turn(facts, False, operated and facts.state is not S.CONVERTED)
    if facts.state is S.CONVERTED:
        status = Status.DONE
    if status is Status.NOW and details:
        status = Status.BLOCKED
    title = "Metal-on-metal surveillance"
    return StepView(title, status, summary, details, Task.SURVEILLANCE, "Open surveillance")


_NEXT: dict[EpisodeState, EpisodeState] = {
    S.REFERRED: S.ASSESSED,
    S.ASSESSED: S.LISTED,
    S.LISTED: S.READY,
    S.OPTIMISING: S.READY,
    S.READY: S.SCHEDULED,
    S.SCHEDULED: S.OPERATED,
    S.OPERATED: S.RECOVERING,
    S.RECOVERING: S.FOLLOW_UP,
}


def timeline(facts: EpisodeFacts) -> Timeline:
    """The episode's steps in the order a clinic works, and what blocks the next state."""
    steps: list[StepView] = [
        _assessment(facts),
        _listing(facts),
        _readiness(facts),
        _consent(facts),
        _booking(facts),
        _operation(facts),
        _discharge(facts),
        _recovery(facts),
        _follow_up(facts),
    ]
    if facts.followed_for_life:
        steps.append(_surveillance(facts))
    next_state = _NEXT.get(facts.state)
    blockers = _blockers(steps)
    return Timeline(tuple(steps), next_state, blockers)


def _blockers(steps: Sequence[StepView]) -> tuple[str, ...]:
    """What stands before the next state: every blocked step's reasons, once each, in order."""
    found: dict[str, None] = {}
    for step in steps:
        if step.status is Status.BLOCKED:
            found.update(dict.fromkeys(step.details))
    return tuple(found)
