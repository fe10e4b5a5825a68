"""Recording a completed questionnaire: checked, scored, stored and audited in one step."""

import datetime as dt
import uuid
from typing import Any

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_instruments import Instrument
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem
from coxa.core.inputs import EARLIEST_EVENT
from coxa.core.text import REASON_MAX, meaningful, text_problem
from coxa.outcomes.domain.falls import Earlier, Fall, fall
from coxa.outcomes.domain.scoring import score
from coxa.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from coxa.outcomes.selectors import licence_of
from coxa.outcomes.services import schedule
from coxa.outcomes.services.endpoints import refused_after_end
from coxa.pathways.models import Episode


def _date_problems(completed_on: dt.date, episode: Episode) -> list[Problem]:
    if completed_on > clock.today():
        return [
            Problem(
                ErrorCode.DATE_IN_FUTURE,
                "the day it was completed cannot be in the future",
                "completed_on",
            )
        ]
    born = episode.patient.date_of_birth
    if completed_on < max(EARLIEST_EVENT, born):
        return [
            Problem(
                ErrorCode.IMPLAUSIBLE_DATE,
                "the day it was completed is before the patient was born or before 1950",
                "completed_on",
            )
        ]
    # Not after the hip's conversion nor the patient's death (H60, H63): such a score is the
    # new hip's, or cannot be.
    return refused_after_end(episode, completed_on, "completed_on")


def _fall(
    found: Instrument, episode: Episode, completed_on: dt.date, value: float | None
) -> Fall | None:
    earlier = [
        Earlier(r.completed_on, r.score)
        for r in QuestionnaireResponse.objects.filter(
            episode=episode, instrument=found.code, completed_on__lt=completed_on
        )
        if r.score is not None
    ]
    return fall(
        found,
        completed_on=completed_on,
        score=value,
        operation_on=episode.operation_on,
        earlier=earlier,
    )


def instrument_for(code: str, *, for_patient: bool) -> Instrument:
    """The catalogue's instrument; a licensed one not loaded cannot be given to a patient."""
    found = get_catalogue().instruments.get(code)
    if found is None:
        raise NotFound(ErrorCode.UNKNOWN_INSTRUMENT, f"no questionnaire {code!r}", "instrument")
    if for_patient and found.licensed and licence_of(found.code) is None:
        raise Conflict(
            ErrorCode.INSTRUMENT_NOT_LOADED,
            f"the {found.title} cannot be given to patients until the service loads its "
            "licensed wording",
            "instrument",
        )
    return found


def store_response(
    *,
    episode: Episode,
    instrument: str,
    answers: dict[str, Any],
    completed_on: dt.date,
    by: User | None,
    link: QuestionnaireLink | None = None,
    point: str | None = None,
) -> QuestionnaireResponse:
    """Check, score and store one response, within the caller's transaction (no audit).

    ``point`` is the schedule point it answers (``baseline``, ``6-weeks``, ``year-2``...);
    when not given it is the point whose window holds the day (none: stored with no point).
    A point whose window does not hold the day is refused: a response is never counted
    against the wrong point or the wrong baseline (hazard H63).
    """
    by_patient = by is None or by.role == Role.PATIENT
    found = instrument_for(instrument, for_patient=by_patient)
    licence = licence_of(found.code) if found.licensed else None
    problems = _date_problems(completed_on, episode)
    if not answers:
        problems.append(Problem(ErrorCode.REQUIRED, "give the answers", "answers"))
    try:
        scored = score(found, answers, value_set=None if licence is None else licence.value_set)
    except InvalidInput as error:
        problems += error.problems
    answers_point, point_problems = schedule.point_answered(episode, point, completed_on, problems)
    problems += point_problems
    if problems:
        raise InvalidInput.of(problems)
    flagged = _fall(found, episode, completed_on, scored.score)
    return QuestionnaireResponse.objects.create(
        episode=episode,
        instrument=found.code,
        completed_on=completed_on,
        point=answers_point,
        answers=dict(scored.answers),
        raw=scored.raw,
        score=scored.score,
        profile=scored.profile,
        entered_by_patient=by_patient,
        recorded_by=by,
        link=link,
        fall=None if flagged is None else flagged.as_json(),
        recorded_at=clock.now(),
        catalogue_version=get_catalogue().version,
    )


@audit.atomic()
def record_response(
    *,
    episode: Episode,
    instrument: str,
    answers: dict[str, Any],
    completed_on: dt.date,
    by: User,
    via: audit.Via,
    point: str | None = None,
) -> QuestionnaireResponse:
    """Store a questionnaire the patient completed for this hip, with its score.

    A clinician enters it (it was asked in clinic or on the phone), or the patient enters
    their own (the episode was fetched for them, so it is theirs). Bad answers or dates are
    refused, each on its field, and nothing is stored. A licensed instrument whose wording is
    not loaded is refused to a patient. A post-operative fall of at least the minimal important
    change is flagged on the response (outcomes.domain.falls). The response answers the
    schedule point given, or the one whose window holds its day; the hip's follow-up
    programme is then refreshed.
    """
    if by.role != Role.PATIENT:
        require(by, Capability.RECORD_OUTCOMES)
    elif completed_on != clock.today():
        # A patient answers for today, as in the portal and through a link: never another day,
        # which could replace their own baseline or change their score's change (H63).
        raise InvalidInput(
            ErrorCode.INVALID_VALUE,
            "you can only record today's answers: the day they were completed must be today",
            "completed_on",
        )
    response = store_response(
        episode=episode,
        instrument=instrument,
        answers=answers,
        completed_on=completed_on,
        by=by,
        point=point,
    )
    title = get_catalogue().instruments[response.instrument].title
    audit.record(
        actor=by,
        action="questionnaire.record",
        object_type="questionnaire",
        object_id=response.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Recorded {title} completed on {completed_on:%d %b %Y}"
        + (" (a fall in score, flagged for review)" if response.fall else ""),
        via=via,
        details={
            "episode": str(episode.public_id),
            "instrument": response.instrument,
            "point": response.point,
            "fall": response.fall is not None,
        },
    )
    schedule.refresh(episode, by=by, via=via)
    return response


def _refalled(episode: Episode, struck: QuestionnaireResponse) -> list[str]:
    """Work the fall rule again for the later responses of the struck-out one's instrument.

    A response entered in error may have been the reference a later one was compared with
    (a false fall flagged, or a real one hidden). Returns the public ids whose flag changed.
    """
    found = get_catalogue().instruments.get(struck.instrument)
    if found is None:
        return []
    changed = []
    for later in QuestionnaireResponse.objects.select_for_update().filter(
        episode=episode, instrument=struck.instrument, completed_on__gt=struck.completed_on
    ):
        flagged = _fall(found, episode, later.completed_on, later.score)
        now = None if flagged is None else flagged.as_json()
        if now != later.fall:
            later.fall = now
            later.save(update_fields=["fall", "updated_at"])
            changed.append(str(later.public_id))
    return changed


@audit.atomic()
def strike_out_response(
    *, episode: Episode, response_id: uuid.UUID, reason: str, by: User, via: audit.Via
) -> QuestionnaireResponse:
    """Strike out a questionnaire response made in error (the wrong hip, a forwarded link).

    The response stays, marked, with who struck it out, when and why; from then on it is
    left out of the baseline, the change from baseline, the fall rule, the schedule's
    completed points and the analytics (``QuestionnaireResponse.objects``). The later
    responses' fall flags are worked out again, and the hip's programme refreshed. To
    correct an answer, strike the response out and record it again. Staff only.
    """
    require(by, Capability.RECORD_OUTCOMES)
    problem = text_problem(reason, field="reason", max_length=REASON_MAX)
    if problem is None and not meaningful(reason):
        problem = Problem(
            ErrorCode.REASON_REQUIRED, "say in words why it was made in error", "reason"
        )
    if problem is not None:
        raise InvalidInput(problem.code, problem.message, problem.field)
    Episode.objects.select_for_update().filter(pk=episode.pk).first()  # the hip first
    locked = (
        QuestionnaireResponse.every.select_for_update()
        .filter(episode=episode, public_id=response_id)
        .first()
    )
    if locked is None:
        raise NotFound(ErrorCode.NOT_FOUND, "this hip has no such questionnaire", "response_id")
    if locked.struck_out_at is not None:
        raise Conflict(
            ErrorCode.STRUCK_OUT,
            f"this questionnaire was struck out on {locked.struck_out_at:%-d %b %Y}",
            "response",
        )
    locked.struck_out_at = clock.now()
    locked.struck_out_by = by
    locked.struck_out_reason = reason.strip()
    locked.save(update_fields=["struck_out_at", "struck_out_by", "struck_out_reason"])
    refalled = _refalled(episode, locked)
    instrument = get_catalogue().instruments.get(locked.instrument)
    title = instrument.title if instrument is not None else locked.instrument
    audit.record(
        actor=by,
        action="questionnaire.strike-out",
        object_type="questionnaire",
        object_id=locked.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Struck out the {title} completed on {locked.completed_on:%-d %b %Y} as made "
        f"in error; reason: {locked.struck_out_reason}",
        reason=locked.struck_out_reason,
        via=via,
        details={
            "episode": str(episode.public_id),
            "instrument": locked.instrument,
            "point": locked.point,
            "falls_changed": refalled,
        },
    )
    schedule.refresh(episode, by=by, via=via)
    return locked
