"""Recording a completed questionnaire: checked, scored, stored and audited in one step."""

import datetime as dt
from typing import Any

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput, NotFound, Problem
from coxa.core.inputs import EARLIEST_EVENT
from coxa.outcomes.domain.schedule import fits, point_for
from coxa.outcomes.domain.scoring import score
from coxa.outcomes.models import QuestionnaireResponse
from coxa.outcomes.services import schedule
from coxa.pathways.models import Episode


def _date_problems(completed_on: dt.date, episode: Episode) -> list[Problem]:
    if completed_on > clock.today():
        return [
            Problem(
                ErrorCode.DATE_IN_FUTURE, "completed_on cannot be in the future", "completed_on"
            )
        ]
    born = episode.patient.date_of_birth
    if completed_on < max(EARLIEST_EVENT, born):
        return [
            Problem(
                ErrorCode.IMPLAUSIBLE_DATE,
                "completed_on is before the patient was born or before 1950",
                "completed_on",
            )
        ]
    return []


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
    refused, each on its field, and nothing is stored.

    ``point`` is the schedule point it answers (``baseline``, ``6-weeks``, ``year-2``...);
    when not given it is the point whose window holds the day (none: stored with no point).
    A point whose window does not hold the day is refused: a response is never counted
    against the wrong point or the wrong baseline (hazard H63). The hip's follow-up
    programme is then refreshed.
    """
    if by.role != Role.PATIENT:
        require(by, Capability.RECORD_OUTCOMES)
    catalogue = get_catalogue()
    found = catalogue.instruments.get(instrument)
    if found is None:
        raise NotFound(
            ErrorCode.UNKNOWN_INSTRUMENT, f"no questionnaire {instrument!r}", "instrument"
        )
    problems = _date_problems(completed_on, episode)
    if not answers:
        problems.append(Problem(ErrorCode.REQUIRED, "give the answers", "answers"))
    try:
        scored = score(found, answers)
    except InvalidInput as error:
        problems += error.problems
    answers_point, point_problems = _point(episode, point, completed_on, problems)
    problems += point_problems
    if problems:
        raise InvalidInput.of(problems)
    response = QuestionnaireResponse.objects.create(
        episode=episode,
        instrument=found.code,
        completed_on=completed_on,
        point=answers_point,
        answers=dict(scored.answers),
        raw=scored.raw,
        score=scored.score,
        profile=scored.profile,
        entered_by_patient=by.role == Role.PATIENT,
        recorded_by=by,
        recorded_at=clock.now(),
        catalogue_version=catalogue.version,
    )
    audit.record(
        actor=by,
        action="questionnaire.record",
        object_type="questionnaire",
        object_id=response.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Recorded {found.title} completed on {completed_on:%d %b %Y}",
        via=via,
        details={
            "episode": str(episode.public_id),
            "instrument": found.code,
            "point": answers_point,
        },
    )
    schedule.refresh(episode, by=by, via=via)
    return response


def _point(
    episode: Episode, given: str | None, day: dt.date, problems: list[Problem]
) -> tuple[str, list[Problem]]:
    """The schedule point a response on ``day`` answers, or why the given one cannot be."""
    followed = schedule.schedule_of(episode)
    if followed is None or any(p.field == "completed_on" for p in problems):
        return "", []
    hip = schedule.hip_of(episode)
    if not given:
        return point_for(followed, hip, day) or "", []
    if fits(followed, hip, given, day):
        return given, []
    return "", [
        Problem(
            ErrorCode.OUTSIDE_WINDOW,
            f"{day:%d %b %Y} is not in the window of the schedule point {given!r} of this hip",
            "point",
        )
    ]
