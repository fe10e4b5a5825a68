"""Follow-up clinic reviews: recorded (checked, coded, audited) and struck out with a reason.

Who records what: surgeons and nurses record a whole review; a physiotherapist records
function only (pain, movement, walking aids and distance, work and sport), and a review of
theirs that gives an X-ray finding or the plan is refused, naming the field.
"""

import uuid

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import get_procedure
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, Forbidden, InvalidInput, NotFound
from coxa.outcomes.domain.reviews import (
    CLINICIAN_FIELDS,
    FollowUpReviewIn,
    finding_words,
    review_problems,
    stored_findings,
)
from coxa.outcomes.models import FollowUpReview
from coxa.outcomes.services import schedule
from coxa.outcomes.services.endpoints import refused_after_end
from coxa.pathways.domain import AFTER_OPERATION, EpisodeState
from coxa.pathways.models import Episode


def _whole(by: User) -> bool:
    """Whether ``by`` records a whole review (else function only, or nothing)."""
    if can(by.role, Capability.RECORD_REVIEWS):
        return True
    require(by, Capability.RECORD_REVIEW_FUNCTION)
    return False


def _function_only(entry: FollowUpReviewIn) -> None:
    for field in CLINICIAN_FIELDS:
        if field == "findings":
            for code in entry.findings:
                raise Forbidden(
                    ErrorCode.FORBIDDEN,
                    "a physiotherapist records function, not X-ray findings",
                    f"findings.{code}",
                )
        elif entry.given(field):
            raise Forbidden(
                ErrorCode.FORBIDDEN,
                "a physiotherapist records function, not the plan",
                field,
            )


def summary_of(review: FollowUpReview) -> str:
    """The review in words, for the audit record and the timeline."""
    catalogue = get_catalogue()
    spec = catalogue.reviews
    parts = [f"Follow-up review on {review.seen_on:%-d %b %Y}"]
    if review.pain is not None:
        parts.append(f"pain {review.pain} out of 10")
    for finding in spec.findings_for(review.episode.procedure):
        stored = review.findings.get(finding.code)
        if stored is not None:
            parts.append(f"{finding.title.lower()}: {finding_words(finding, stored).lower()}")
    plan = spec.plan(review.plan) if review.plan else None
    if plan is not None:
        when = f" on {review.next_review_on:%-d %b %Y}" if review.next_review_on else ""
        parts.append(f"plan: {plan.text.lower()}{when}")
    return "; ".join(parts)


@audit.atomic()
def record_review(
    *, episode: Episode, entry: FollowUpReviewIn, by: User, via: audit.Via
) -> FollowUpReview:
    """Store a clinic review of an operated hip; every problem is refused on its field."""
    if not _whole(by):
        _function_only(entry)
    died_operated = episode.state_enum is EpisodeState.DIED and episode.operation_on is not None
    if episode.state_enum not in AFTER_OPERATION and not died_operated:
        raise Conflict(
            ErrorCode.NOT_OPERATED, "a follow-up review is of an operated hip", "seen_on"
        )
    catalogue = get_catalogue()
    procedure = get_procedure(episode.procedure)
    problems = review_problems(
        entry,
        catalogue.reviews,
        procedure=episode.procedure,
        followed_for_life=procedure is not None and procedure.surveillance is not None,
        operated_on=episode.operation_on,
        today=clock.today(),
    )
    if not any(p.field == "seen_on" for p in problems):  # not after the end (H60, H63)
        problems += refused_after_end(episode, entry.seen_on, "seen_on")
    recorded = set(FollowUpReviewIn.model_fields) - {"seen_on", "point"}
    if not problems and not any(entry.given(f) for f in recorded):
        raise InvalidInput(ErrorCode.REQUIRED, "record at least one thing the review found")
    if problems:
        raise InvalidInput.of(problems)
    # The schedule point it answers: the one given when its window holds the day, else the
    # one whose window does ("" when none does; hazard H63).
    point, point_problems = schedule.point_answered(episode, entry.point, entry.seen_on, [])
    if point_problems:
        raise InvalidInput.of(point_problems)
    review = FollowUpReview.objects.create(
        episode=episode,
        seen_on=entry.seen_on,
        point=point,
        pain=entry.pain,
        flexion=entry.flexion,
        abduction=entry.abduction,
        internal_rotation=entry.internal_rotation,
        external_rotation=entry.external_rotation,
        walking_aid=entry.walking_aid,
        walking_distance=entry.walking_distance,
        work=entry.work,
        sport=entry.sport,
        findings=stored_findings(entry, catalogue.reviews.findings_for(episode.procedure)),
        plan=entry.plan,
        plan_words=entry.plan_words,
        next_review_on=entry.next_review_on,
        recorded_by=by,
        recorded_at=clock.now(),
        catalogue_version=catalogue.version,
    )
    audit.record(
        actor=by,
        action="follow-up-review.record",
        object_type="follow-up-review",
        object_id=review.public_id,
        patient_id=episode.patient.public_id,
        summary=summary_of(review),
        via=via,
        details={"episode": str(episode.public_id), "point": point},
    )
    schedule.refresh(episode, by=by, via=via)
    return review


@audit.atomic()
def strike_out_review(
    *, episode: Episode, review_id: uuid.UUID, reason: str, by: User, via: audit.Via
) -> FollowUpReview:
    """Strike out a review recorded in error, with the reason; it stays in the record.

    A physiotherapist may strike out only a review that holds no X-ray finding and no plan:
    what they could not record, they cannot remove.
    """
    whole = _whole(by)
    review = (
        FollowUpReview.objects.select_for_update()
        .filter(episode=episode, public_id=review_id)
        .first()
    )
    if review is None:
        raise NotFound(ErrorCode.NOT_FOUND, "no such review of this hip", "review_id")
    if review.struck_out:
        raise Conflict(
            ErrorCode.ENTRY_ALREADY_CORRECTED,
            f"this review was struck out on {review.struck_out_at:%-d %b %Y}",
        )
    seen = any(f.get("result") != "not-assessed" for f in review.findings.values())
    if not whole and (seen or review.plan):
        raise Forbidden(
            ErrorCode.FORBIDDEN,
            "this review holds X-ray findings or a plan: a surgeon or nurse strikes it out",
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput(ErrorCode.REASON_REQUIRED, "say why, in words", "reason")
    review.struck_out_at = clock.now()
    review.struck_out_by = by
    review.strike_out_reason = reason
    review.save(update_fields=("struck_out_at", "struck_out_by", "strike_out_reason"))
    audit.record(
        actor=by,
        action="follow-up-review.strike-out",
        object_type="follow-up-review",
        object_id=review.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Struck out the follow-up review of {review.seen_on:%-d %b %Y}: {reason}",
        via=via,
        details={"episode": str(episode.public_id)},
    )
    schedule.refresh(episode, by=by, via=via)  # a struck-out review no longer holds its point
    return review
