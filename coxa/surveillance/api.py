"""API: lifelong metal-on-metal surveillance (issue 15).

Blood metal results, imaging and surveillance reviews of an enrolled hip; enrolment (a hip
signed here, or one operated elsewhere); one hip's surveillance; the worklist; a recall by
product and lot, and the contacts made for it.
"""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode, NotFound
from coxa.core.idempotency import idempotent
from coxa.core.pagination import page_request
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.patients.selectors import access_patient
from coxa.surveillance.domain.inputs import MetalIonsIn, RecallContactIn
from coxa.surveillance.schemas import (
    EnrolmentOut,
    ImagingStudyOut,
    MetalIonsOut,
    RecallContactOut,
    RecallHipOut,
    RecallOut,
    SurveillanceEnrolIn,
    SurveillanceImagingIn,
    SurveillanceOut,
    SurveillanceReviewIn,
    SurveillanceReviewOut,
    SurveillanceRowOut,
    SurveillanceStrikeOutIn,
    SurveillanceWorklistOut,
)
from coxa.surveillance.selectors import access_surveillance, list_recall
from coxa.surveillance.services import enrolment, recall, records, reviews
from coxa.surveillance.worklist import SurveillanceQuery, list_surveillance_worklist

router = Router(tags=["surveillance"])

KINDS = ("result", "imaging", "review")


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> tuple[User, Episode]:
    user = actor(request)
    return user, access_episode(actor=user, episode_id=episode_id, via=Via.API)


@router.post(
    "/episodes/{episode_id}/metal-ions",
    response={201: MetalIonsOut},
    auth=allow(Op.API_METAL_IONS_RECORD),
)
@idempotent
def record_metal_ions(
    request: HttpRequest, episode_id: uuid.UUID, payload: MetalIonsIn
) -> Status[MetalIonsOut]:
    """Record a blood cobalt and chromium result; answered with it stored and its flags.

    `matrix` is `whole-blood`, `serum` or `plasma`; each metal given has a `value` and a
    `unit` (`ug/L`, `[ppb]`, or `nmol/L`, converted with the atomic masses 58.933 for
    cobalt and 51.996 for chromium). A serum or plasma result is stored but never converted
    to nor compared with a whole-blood threshold: it is flagged `not-whole-blood`. Each flag
    (`above-concern`, `rising`, `repeat-bloods`, `imaging-recommended`) names its rule, the
    table's version and its sources. Refused, naming the field: an unknown unit
    (`unknown-unit`), a negative or implausible value, a day in the future, before the
    operation, or after the hip's revision or the patient's death. 409 `not-enrolled` for a
    hip not under metal-on-metal surveillance (a hip signed here and not yet enrolled is
    enrolled first), `surveillance-ended` after it ended.
    """
    user, episode = _episode(request, episode_id)
    stored = records.record_metal_ions(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, MetalIonsOut.of(stored))


@router.post(
    "/episodes/{episode_id}/surveillance-imaging",
    response={201: ImagingStudyOut},
    auth=allow(Op.API_SURVEILLANCE_RECORD),
)
@idempotent
def record_surveillance_imaging(
    request: HttpRequest, episode_id: uuid.UUID, payload: SurveillanceImagingIn
) -> Status[ImagingStudyOut]:
    """Record a MARS MRI, ultrasound or X-ray of an enrolled hip.

    Soft-tissue findings (fluid collection, solid mass, muscle or bone involvement) belong
    to MARS MRI or ultrasound, X-ray findings to an X-ray; "not-assessed" is never read as
    normal. A Hauptfleisch class is 1, 2 or 3. Refused on their fields as for results.
    """
    user, episode = _episode(request, episode_id)
    stored = records.record_imaging(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, ImagingStudyOut.of(stored))


@router.post(
    "/episodes/{episode_id}/surveillance-reviews",
    response={201: SurveillanceReviewOut},
    auth=allow(Op.API_SURVEILLANCE_RECORD),
)
@idempotent
def record_surveillance_review(
    request: HttpRequest, episode_id: uuid.UUID, payload: SurveillanceReviewIn
) -> Status[SurveillanceReviewOut]:
    """Record a surveillance review: symptoms asked, and the plan.

    The review ends with an explained recommendation (`advice`: each reason with its rule,
    version, sources and facts). `plan` "follow" takes the recommendation; another plan
    needs `plan_reason`.
    """
    user, episode = _episode(request, episode_id)
    stored = reviews.record_review(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, SurveillanceReviewOut.of(stored))


@router.post(
    "/patients/{patient_id}/surveillance-enrolments",
    response={201: EnrolmentOut},
    auth=allow(Op.API_SURVEILLANCE_ENROL),
)
@idempotent
def enrol_operated_elsewhere(
    request: HttpRequest, patient_id: uuid.UUID, payload: SurveillanceEnrolIn
) -> Status[EnrolmentOut]:
    """Enrol a hip operated before Coxa or elsewhere, with what is known of it.

    Its episode is opened in follow-up; `episode_id` in the answer names it. The implants'
    products and lots are what a recall searches.
    """
    user = actor(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.API)
    enrolled = enrolment.enrol_by_hand(patient=patient, entry=payload, by=user, via=Via.API)
    return Status(201, EnrolmentOut.of(enrolled))


@router.post(
    "/episodes/{episode_id}/surveillance-enrolment",
    response={201: EnrolmentOut},
    auth=allow(Op.API_SURVEILLANCE_ENROL),
)
@idempotent
def enrol_signed_hip(request: HttpRequest, episode_id: uuid.UUID) -> Status[EnrolmentOut]:
    """Enrol a hip from its signed operation note now, rather than at the nightly sweep.

    409 `not-enrolled` for a hip with no signed note of a metal-on-metal procedure,
    `enrolled-already` for one enrolled already.
    """
    user, episode = _episode(request, episode_id)
    enrolled = enrolment.enrol_episode(episode=episode, by=user, via=Via.API)
    return Status(201, EnrolmentOut.of(enrolled))


@router.post(
    "/episodes/{episode_id}/surveillance/{kind}/{record_id}/strike-out",
    response=SurveillanceOut,
    auth=allow(Op.API_SURVEILLANCE_RECORD),
)
def strike_out_surveillance_record(
    request: HttpRequest,
    episode_id: uuid.UUID,
    kind: str,
    record_id: uuid.UUID,
    payload: SurveillanceStrikeOutIn,
) -> SurveillanceOut:
    """Strike out a result, an imaging study or a review entered in error, with `reason`.

    `kind` is `result`, `imaging` or `review`. It stays, marked, and counts nowhere (flags,
    schedule, recommendation); answered with the hip's surveillance as it now stands. 409
    `struck-out` when struck out already; 404 when the hip has no such record.
    """
    if kind not in KINDS:
        raise NotFound(ErrorCode.NOT_FOUND, f"kind must be one of: {', '.join(KINDS)}", "kind")
    user, episode = _episode(request, episode_id)
    if kind == "review":
        reviews.strike_out_review(
            episode=episode, review_id=record_id, reason=payload.reason, by=user, via=Via.API
        )
    else:
        records.strike_out(
            kind=kind,
            record_id=record_id,
            episode=episode,
            reason=payload.reason,
            by=user,
            via=Via.API,
        )
    shown = access_surveillance(actor=user, episode_id=episode_id, via=Via.API)
    return SurveillanceOut.of(shown, patient=False)


@router.get(
    "/episodes/{episode_id}/surveillance",
    response=SurveillanceOut,
    auth=allow(Op.API_SURVEILLANCE_READ),
)
def read_surveillance(request: HttpRequest, episode_id: uuid.UUID) -> SurveillanceOut:
    """One hip's metal-on-metal surveillance.

    The enrolment; the schedule rule and table version behind the next due date, and
    whether the table has been checked by the service's clinical lead (until it has, every
    hip has the conservative default, and `words` says so); the next check; results with
    their flags, imaging, reviews with their advice (oldest first; struck-out entries marked,
    and never shown to a patient); the open flag and any repeat awaited; and
    `recommendation`, what a review today would say. A patient reads only their own hips.
    """
    user = actor(request)
    if user.role != Role.PATIENT:
        require(user, Capability.VIEW_PATIENTS)
    shown = access_surveillance(actor=user, episode_id=episode_id, via=Via.API)
    return SurveillanceOut.of(shown, patient=user.role == Role.PATIENT)


@router.get(
    "/worklists/surveillance",
    response=SurveillanceWorklistOut,
    auth=allow(Op.API_SURVEILLANCE_WORKLIST),
)
def surveillance_worklist(
    request: HttpRequest,
    status: str = "",
    page: int | None = None,
    page_size: int | None = None,
) -> dict[str, Any]:
    """Hips under surveillance that need the team, most pressing day first.

    Filter with `status`: `due` (shown from the invitation day), `overdue`, `flagged` (a
    flag or recommendation awaiting action), `repeat` (a repeat of the bloods awaited) or
    `lost` (lost to follow-up). Each row names all its statuses and the rule and table
    version behind its due date.
    """
    request_page = page_request(page, page_size)
    listed = list_surveillance_worklist(
        actor=actor(request),
        query=SurveillanceQuery(status=status),
        page=request_page,
        via=Via.API,
    )
    return {
        "count": listed.count,
        "count_capped": listed.capped,
        "page": request_page.number,
        "page_size": request_page.size,
        "items": [
            SurveillanceRowOut(
                episode_id=row.episode.public_id,
                patient_id=row.episode.patient.public_id,
                patient=row.episode.patient.display_name,
                side=row.episode.side,
                implant=row.enrolment.implant,
                statuses=list(row.statuses),
                next_kind=row.enrolment.next_kind,
                next_due_on=row.enrolment.next_due_on,
                repeat_due_on=row.enrolment.repeat_due_on,
                flagged_on=row.enrolment.flagged_on,
                flag_text=row.enrolment.flag_text,
                lost_on=row.enrolment.lost_on,
                last_review_on=row.enrolment.last_review_on,
                last_result_on=row.enrolment.last_result_on,
                schedule=row.rule,
            )
            for row in listed.rows
        ],
    }


@router.get("/surveillance/recall", response=RecallOut, auth=allow(Op.API_SURVEILLANCE_RECALL))
def surveillance_recall(request: HttpRequest, product: str = "", lot: str = "") -> RecallOut:
    """Every hip with an implant of `product` (and `lot`, when given): a field safety notice.

    From signed operation notes and from hips enrolled by hand; each with the patient's
    contact details and the contacts recorded for this product. The search is audited.
    """
    hips = list_recall(actor=actor(request), product=product, lot=lot, via=Via.API)
    return RecallOut(
        product=product.strip(),
        lot=lot.strip(),
        items=[
            RecallHipOut(
                episode_id=h.episode.public_id,
                patient_id=h.patient.public_id,
                patient=h.patient.display_name,
                date_of_birth=h.patient.date_of_birth,
                phone=h.patient.phone,
                email=h.patient.email,
                address=h.patient.address,
                postcode=h.patient.postcode,
                side=h.episode.side,
                component=h.component,
                product=h.product,
                lot=h.lot,
                source=h.source,
                operated_on=h.operated_on,
                contacts=[RecallContactOut.of(c) for c in h.contacts],
            )
            for h in hips
        ],
    )


@router.post(
    "/episodes/{episode_id}/recall-contacts",
    response={201: RecallContactOut},
    auth=allow(Op.API_SURVEILLANCE_RECALL_CONTACT),
)
@idempotent
def record_recall_contact(
    request: HttpRequest, episode_id: uuid.UUID, payload: RecallContactIn
) -> Status[RecallContactOut]:
    """Record that the patient was contacted about a field safety notice (`notice`).

    `product` (and `lot`, where the notice names one) must be of an implant of this hip;
    `method` is `phone`, `letter`, `email` or `in-person`.
    """
    user, episode = _episode(request, episode_id)
    contact = recall.record_recall_contact(episode=episode, entry=payload, by=user, via=Via.API)
    return Status(201, RecallContactOut.of(contact))
