"""Surveillance reviews (issue 15).

The symptoms asked, the recommendation worked out and explained, and the clinician's plan:
the recommendation followed, or another with the reason.
"""

import uuid

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.pathways.models import Episode
from coxa.surveillance.domain.inputs import ReviewIn
from coxa.surveillance.domain.recommend import SYMPTOMS, Answer
from coxa.surveillance.models import SurveillanceReview
from coxa.surveillance.selectors import advise, score_fall_since
from coxa.surveillance.services import programme
from coxa.surveillance.services.records import _day_problems, enrolment_for


@audit.atomic()
def record_review(
    *, episode: Episode, entry: ReviewIn, by: User, via: audit.Via
) -> SurveillanceReview:
    require(by, Capability.RECORD_SURVEILLANCE)
    enrolment = enrolment_for(episode, by=by, via=via)
    problems = _day_problems(enrolment, entry.reviewed_on, "reviewed_on")
    for code in entry.symptoms:
        if code not in SYMPTOMS:
            problems.append(
                Problem(
                    ErrorCode.INVALID_VALUE,
                    f"symptom must be one of: {', '.join(SYMPTOMS)}",
                    f"symptoms.{code}",
                )
            )
    if entry.plan != "follow" and not meaningful(entry.plan_reason):
        problems.append(
            Problem(
                ErrorCode.REASON_REQUIRED,
                "say in words why the plan differs from the recommendation",
                "plan_reason",
            )
        )
    if problems:
        raise InvalidInput.of(problems)
    symptoms = {c: entry.symptoms.get(c, Answer.NOT_ASKED) for c in SYMPTOMS}
    advice = advise(enrolment, entry.reviewed_on, symptoms)
    if entry.plan == advice.recommendation.value:
        plan, reason = "follow", ""
    else:
        plan, reason = entry.plan, entry.plan_reason.strip()
    review = SurveillanceReview.objects.create(
        enrolment=enrolment,
        reviewed_on=entry.reviewed_on,
        symptoms={c: a.value for c, a in symptoms.items()},
        score_fall_on=score_fall_since(
            episode, enrolment.last_review_on if enrolment.last_review_on else None
        ),
        advice=advice.as_json(),
        recommendation=advice.recommendation.value,
        plan=plan,
        plan_reason=reason,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    programme.refresh(enrolment, by=by, via=via)
    audit.record(
        actor=by,
        action="surveillance.review",
        object_type="surveillance-review",
        object_id=review.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Surveillance review on {entry.reviewed_on:%-d %b %Y}: "
        f"{advice.recommendation.label.lower()}"
        + ("" if plan == "follow" else f"; plan instead: {plan}"),
        reason=reason,
        via=via,
    )
    return review


@audit.atomic()
def strike_out_review(
    *, episode: Episode, review_id: uuid.UUID, reason: str, by: User, via: audit.Via
) -> None:
    require(by, Capability.RECORD_SURVEILLANCE)
    reason = storable(reason, field="reason", max_length=REASON_MAX).strip()
    if not meaningful(reason):
        raise InvalidInput(ErrorCode.REASON_REQUIRED, "say in words why it is struck out", "reason")
    row = (
        SurveillanceReview.every.select_for_update()
        .filter(public_id=review_id, enrolment__episode=episode)
        .first()
    )
    if row is None:
        raise NotFound(ErrorCode.NOT_FOUND, "no such review on this hip", "id")
    if row.struck_out_at is not None:
        raise Conflict(ErrorCode.STRUCK_OUT, "this review was struck out already", "id")
    row.struck_out_at, row.struck_out_by, row.struck_out_reason = clock.now(), by, reason
    row.save(update_fields=["struck_out_at", "struck_out_by", "struck_out_reason", "updated_at"])
    programme.refresh(row.enrolment, by=by, via=via)
    audit.record(
        actor=by,
        action="surveillance.review.strike-out",
        object_type="surveillance-review",
        object_id=row.public_id,
        patient_id=episode.patient.public_id,
        summary="Surveillance review struck out",
        reason=reason,
        via=via,
    )
