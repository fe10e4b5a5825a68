"""One hip as its patient reads it: the reads of every app behind the portal's hip page.

The hip is fetched with ``pathways.selectors.access_episode`` (the patient's own only: another
patient's hip is answered as one that does not exist, and the read is recorded); everything
else is read from that episode with each owning app's own function, so the page shows what
the letter, the plan, the follow-up programme and the surveillance programme say (H82).

An ended hip (withdrawn, converted, died) offers nothing coming: no date, no questionnaire,
no metal-on-metal check, whatever its stored programmes still say before the nightly sweep
ends them (as the staff's surveillance worklist reads the episode's state beside them).
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from coxa.accounts.models import User
from coxa.assessment.services.letters import Letter, letter_of
from coxa.catalogue.registry import WatchFor, get_procedure, watch_for
from coxa.core import audit, clock
from coxa.outcomes.worklist import Due, due_of
from coxa.pathways.domain import AFTER_OPERATION, EpisodeState
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode, followed_for_life
from coxa.portal.domain import (
    BEFORE_OPERATION,
    WATCHED,
    Dated,
    JourneyStep,
    explain,
    has_ended,
    in_order,
    journey,
    medicine_dates,
    offers_letter,
    offers_plan,
    plan_dates,
)
from coxa.surgery.models import PhysioReview
from coxa.surgery.selectors import PatientPlan, access_plan
from coxa.surveillance.documents import Invitation, invitation_of
from coxa.surveillance.domain.advice import BETWEEN_CHECKS
from coxa.surveillance.selectors import HipSurveillance, surveillance_of


@dataclass(frozen=True)
class Exercise:
    """What a physiotherapy review changed in the home exercises."""

    reviewed_on: dt.date
    text: str


@dataclass(frozen=True)
class Hip:
    """What the portal's hip page shows (``portal/hip.html``)."""

    episode: Episode
    meaning: str  # the state in plain words
    steps: tuple[JourneyStep, ...]
    letter: Letter | None  # the getting-ready letter, where the state offers it
    plan: PatientPlan | None  # the recovery plan, where the state offers it
    due: Due | None  # questionnaires or a clinic review the follow-up programme has next
    surveillance: HipSurveillance | None  # a hip enrolled in metal-on-metal checks
    check: Invitation | None  # its next metal-on-metal check (None once the hip ended)
    exercises: tuple[Exercise, ...]  # from the physiotherapy reviews, newest first
    watch: WatchFor | None
    today: dt.date
    metal_watch: tuple[str, ...] = ()  # what to watch for with a metal-on-metal hip
    continued_by: Episode | None = None  # a converted hip: the new operation's episode

    @property
    def ended(self) -> bool:
        return has_ended(self.episode.state_enum)

    @property
    def before_operation(self) -> bool:
        """Not operated on yet: what is due is the set answered before the operation."""
        return self.episode.state_enum not in AFTER_OPERATION

    @property
    def dates(self) -> list[Dated]:
        """Every day of this hip the records give, earliest first; none once it ended."""
        if self.ended:
            return []
        found: list[Dated] = []
        letter = self.letter
        if letter is not None and not letter.after_operation and letter.panel.medicines_known:
            found += medicine_dates(letter.stops)
        if self.episode.operation_on is not None:
            found.append(Dated(self.episode.operation_on, "Your operation", "operation"))
        if self.plan is not None and self.plan.plan is not None:
            found += plan_dates(self.plan.plan)
        if self.due is not None and not self.before_operation:
            found.append(Dated(self.due.due_on, self.due_words, "questionnaires"))
        elif self.due is not None and self.episode.operation_on is not None:
            # Due by the operation day (with no day booked, "open now" says it alone).
            found.append(Dated(self.due.due_on, self.due_words, BEFORE_OPERATION))
        if self.check is not None:
            found.append(Dated(self.check.due_on, "Your next metal-on-metal hip check", "check"))
        return in_order(found)

    @property
    def coming(self) -> list[Dated]:
        return [d for d in self.dates if d.last >= self.today]

    @property
    def past(self) -> list[Dated]:
        return [d for d in self.dates if d.last < self.today]

    @property
    def due_words(self) -> str:
        due = self.due
        if due is None:
            return ""
        if self.before_operation:  # the Due's title: "Before the operation"
            asked, review = (
                "Questionnaires to answer before your operation",
                "before your operation",
            )
        else:
            when = due.title[:1].lower() + due.title[1:]  # "six weeks", "one year"
            asked, review = f"Questionnaires to answer ({when})", f"({when})"
        if not due.questionnaires:
            return f"A clinic check-up {review}"
        return f"{asked}: {due.names}" + ("; and a clinic check-up" if due.clinic_review else "")

    @property
    def shows_warning_signs(self) -> bool:
        """The signs to watch for after the operation: once it is planned or done.

        None once the hip ended (withdrawn, converted or died).
        """
        if self.ended:
            return False
        return self.letter is not None or self.episode.state_enum in AFTER_OPERATION

    @property
    def keeps_other_medicines(self) -> bool:
        """As the letter says: its medicines checked, the ones it does not name are kept."""
        letter = self.letter
        return letter is not None and not letter.after_operation and letter.panel.medicines_known

    @property
    def medicines_to_date(self) -> list[str]:
        """Medicines to stop whose date is not set yet: the team will tell them."""
        if self.letter is None or self.letter.after_operation:
            return []
        return [s.medication for s in self.letter.stops if s.action == "stop" and not s.stop_on]


def next_check(shown: HipSurveillance) -> Invitation | None:
    """The hip's next metal-on-metal check; none once the hip ended (converted, died).

    Even while its enrolment waits for the nightly sweep to end it (H82).
    """
    return None if has_ended(shown.episode.state_enum) else invitation_of(shown)


def questionnaires_due(episode: Episode) -> Due | None:
    """What the follow-up programme has next for the hip; nothing once the hip ended."""
    return None if has_ended(episode.state_enum) else due_of(episode)


def _continued_by(episode: Episode) -> Episode | None:
    """The episode a conversion opened on the same hip (the patient's own, so listed)."""
    if episode.state_enum is not EpisodeState.CONVERTED:
        return None
    return Episode.objects.filter(converted_from=episode, patient=episode.patient).first()


def access_hip(*, actor: User, episode_id: uuid.UUID, via: audit.Via) -> Hip:
    """One of the patient's own hips, as the portal shows it; the read is recorded once."""
    episode = access_episode(actor=actor, episode_id=episode_id, via=via)
    state = episode.state_enum
    found = surveillance_of(episode)
    # Checks are offered once the hip is enrolled (its checks page has them to show).
    surveillance = found if found.enrolment is not None else None
    followed = followed_for_life(episode) or surveillance is not None
    procedure = get_procedure(episode.procedure)
    reviews = PhysioReview.objects.filter(episode=episode).exclude(exercises_progressed="")
    ended = has_ended(state)
    return Hip(
        episode=episode,
        meaning=explain(state),
        steps=journey(state, followed_for_life=followed),
        letter=letter_of(episode) if offers_letter(state) else None,
        plan=access_plan(actor=actor, episode=episode, via=via)
        if offers_plan(state, episode.operation_on)
        else None,
        due=questionnaires_due(episode),
        surveillance=surveillance,
        check=next_check(surveillance) if surveillance is not None else None,
        exercises=()
        if ended
        else tuple(
            Exercise(r.reviewed_on, r.exercises_progressed)
            for r in reviews.only("reviewed_on", "exercises_progressed")
        ),
        watch=watch_for(procedure) if procedure is not None else None,
        today=clock.today(),
        metal_watch=BETWEEN_CHECKS if followed and state in WATCHED else (),
        continued_by=_continued_by(episode),
    )
