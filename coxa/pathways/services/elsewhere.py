"""A hip operated before Coxa or at another hospital, recorded for its follow-up (issue 15).

The one way an episode opens past referral: metal-on-metal surveillance enrols such hips by
hand (ADR 0024).
"""

import datetime as dt

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, Problem
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import UNDATED, Episode, EpisodeTransition
from coxa.pathways.services import _checked_side, _create, _open_episode_on, _open_problems
from coxa.patients.models import Patient


@audit.atomic()
def record_operated_elsewhere(
    *,
    patient: Patient,
    side: str,
    procedure: str,
    operated_on: dt.date | None,
    where: str,
    by: User,
    via: audit.Via,
) -> Episode:
    """Record a hip operated before Coxa or at another hospital, for its follow-up.

    The episode opens in follow-up (the operation is history, recorded with what is known;
    ``operated_on`` None: the day is not known). Metal-on-metal surveillance enrols such hips
    by hand (issue 15); nothing else opens an episode past referral.
    """
    require(by, Capability.CREATE_EPISODES)
    checked_side = _checked_side(side)
    problems = _open_problems(patient, procedure, operated_on or clock.today())
    if problems:
        raise InvalidInput.of(
            [
                Problem(
                    p.code,
                    p.message.replace("referral date", "operation date"),
                    "operated_on" if p.field == "referred_on" else p.field,
                )
                for p in problems
            ]
        )
    existing = _open_episode_on(patient, checked_side)
    if existing is not None:
        raise Conflict(
            ErrorCode.OPEN_EPISODE_EXISTS,
            f"the {side} hip already has an open episode ({existing.state}): record the "
            "earlier implant on that episode's hip once it closes, or enrol that episode",
            "side",
        )
    reason = f"Operated {'at ' + where.strip() if where.strip() else 'elsewhere'}"
    reason += f" on {operated_on.isoformat()}" if operated_on else " (day not known)"
    episode = _create(
        patient=patient,
        side=checked_side,
        procedure=procedure,
        referred_on=clock.today(),
        by=by,
        reason=reason + "; recorded for follow-up",
    )
    moment = clock.now()
    episode.state = EpisodeState.FOLLOW_UP.value
    episode.operation_on = operated_on
    episode.operation_sort_on = operated_on or UNDATED
    episode.state_changed_at = moment
    episode.save(
        update_fields=[
            "state",
            "operation_on",
            "operation_sort_on",
            "state_changed_at",
            "updated_at",
        ]
    )
    EpisodeTransition.objects.create(
        episode=episode,
        from_state=EpisodeState.REFERRED.value,
        to_state=EpisodeState.FOLLOW_UP.value,
        at=moment,
        by=by,
        reason=reason,
    )
    audit.record(
        actor=by,
        action="episode.record-elsewhere",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        summary=f"{side.title()} hip recorded as operated elsewhere: {episode.procedure_title}",
        via=via,
    )
    return episode
