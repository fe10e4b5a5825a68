"""The write path for consultation requests: receiving one, triaging it, turning it into care.

A request is never dropped (ADR 0026, hazard H78): one that filled the hidden field, or goes
over a limit per address or per client, is kept and marked, and only its confirmation email
is withheld, so the form cannot be used to flood anyone's inbox. Turning a request into a
patient and a referral episode is one transaction: the patient (new or already registered),
the episode and the request's booked status stand or fall together (hazard H79).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.registry import procedure_codes
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound
from coxa.core.text import REASON_MAX, storable
from coxa.enquiries.domain import (
    EnquiryIn,
    Limits,
    Refusal,
    Status,
    email_key,
    enquiry_problems,
    over_limit,
    status_refusal,
)
from coxa.enquiries.models import Enquiry, StatusChange
from coxa.pathways import services as pathways
from coxa.pathways.models import Episode
from coxa.patients import services as patients
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient

logger = logging.getLogger(__name__)


def limits() -> Limits:
    """The limits per hour, from settings (COXA_ENQUIRY_LIMIT_PER_ADDRESS, ..._PER_CLIENT)."""
    return Limits(
        per_address=settings.ENQUIRY_LIMIT_PER_ADDRESS,
        per_client=settings.ENQUIRY_LIMIT_PER_CLIENT,
    )


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ENQUIRY_LIMIT_WINDOW_MINUTES)


@dataclass(frozen=True)
class Received:
    enquiry: Enquiry
    again: bool = False  # the same form sent before: that request, not a second one


def _cleaned(entry: EnquiryIn) -> EnquiryIn:
    return EnquiryIn(
        name=" ".join(entry.name.split()),
        email=entry.email.strip(),
        procedure=entry.procedure.strip(),
        consent=entry.consent,
        phone=entry.phone.strip(),
        message=entry.message.strip(),
    )


def _earlier(enquiry_key: str, client: str) -> tuple[int, int]:
    """Requests already received in the window for this address and from this client.

    A request whose client is unknown ("": no address reached Coxa) counts with every other
    such request, in one shared bucket: an unknown client is never unlimited.
    """
    since = clock.now() - window()
    from_address = Enquiry.objects.filter(email_key=enquiry_key, received_at__gte=since).count()
    from_client = Enquiry.objects.filter(client=client, received_at__gte=since).count()
    return from_address, from_client


def _marks(*, automated: bool, limit: str) -> list[str]:
    return (["likely automated"] if automated else []) + ([f"over-{limit}-limit"] if limit else [])


@audit.atomic()
def receive_enquiry(
    *,
    entry: EnquiryIn,
    client: str,
    automated: bool = False,
    submission_key: str = "",
    via: audit.Via = audit.Via.WEB,
) -> Received:
    """Keep a consultation request from the public form, marked where it must be.

    Refused (400, naming each field) only when it cannot be kept: a required field missing,
    an email address that is not one, no consent to be contacted. ``automated``: the hidden
    field was filled. ``client``: the sender's network address, for the limit per client.
    The audit names no one and keeps no message: only that a request came, and its marks.
    """
    entry = _cleaned(entry)
    problems = enquiry_problems(entry, procedures=procedure_codes())
    if problems:
        raise InvalidInput.of(problems)
    if submission_key:
        sent = Enquiry.objects.filter(submission_key=submission_key).first()
        if sent is not None:
            return Received(sent, again=True)
    key = email_key(entry.email)
    from_address, from_client = _earlier(key, client)
    limit = over_limit(from_address=from_address, from_client=from_client, limits=limits())
    moment = clock.now()
    enquiry = Enquiry(
        name=entry.name,
        email=entry.email,
        email_key=key,
        procedure=entry.procedure,
        phone=entry.phone,
        message=entry.message,
        consent=entry.consent,
        received_at=moment,
        client=client[:45],
        automated=automated,
        over_limit="" if limit is None else limit.value,
        submission_key=submission_key or None,
        status=Status.NEW.value,
        status_changed_at=moment,
    )
    try:
        with audit.atomic():  # a savepoint around the unique key's insert; records nothing
            enquiry.save()
    except IntegrityError:  # the same form, sent again at the same moment
        return Received(Enquiry.objects.get(submission_key=submission_key), again=True)
    marks = _marks(automated=automated, limit=enquiry.over_limit)
    audit.record(
        actor=None,
        action="enquiry.receive",
        object_type="enquiry",
        object_id=enquiry.public_id,
        summary="Consultation request received"
        + (f" (marked: {', '.join(marks)}; no email sent)" if marks else ""),
        via=via,
        details={"procedure": enquiry.procedure, "marks": marks},
    )
    return Received(enquiry)


def may_email(enquiry: Enquiry) -> bool:
    """A confirmation goes only to a request that is neither marked automated nor over a limit."""
    return not enquiry.automated and not enquiry.over_limit


def send_confirmation(enquiry: Enquiry) -> bool:
    """Email the person that their request arrived, once, after it is stored; True when sent.

    Called after the request's transaction has committed: a mail server that fails, or an
    address the mailer cannot use, loses no request and never costs the person the
    confirmation page (the team sees "No confirmation email sent"). The email repeats nothing typed
    but the operation's name, so an address typed by someone else learns nothing of them.
    """
    if not may_email(enquiry) or enquiry.emailed_at is not None:
        return False
    try:
        send_mail(
            subject="Your request for a consultation with the hip team",
            message=(
                "Thank you: the hip team has received a request for a consultation made "
                f"with this email address, about: {enquiry.procedure_label}.\n\n"
                "What happens next: a member of the team reads every request and will "
                "contact you by email or phone to talk it through and, if it suits you, "
                "to arrange an appointment.\n\n"
                "If you did not make this request, you can ignore this email.\n"
                "If something about your hip worries you now, call your GP or NHS 111; "
                "in an emergency, call 999.\n"
            ),
            from_email=None,
            recipient_list=[enquiry.email],
        )
    except Exception:  # the request is kept: no mail error (a server down, an address the
        # mailer cannot parse or encode: ValueError) may cost the person the confirmation page
        logger.exception("confirmation email for consultation request %s failed", enquiry.pk)
        return False
    Enquiry.objects.filter(pk=enquiry.pk).update(emailed_at=clock.now())
    enquiry.emailed_at = clock.now()
    return True


def _locked(enquiry: Enquiry) -> Enquiry:
    try:
        return Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    except Enquiry.DoesNotExist:
        raise NotFound(ErrorCode.NOT_FOUND, "no consultation request with this id") from None


def _move(enquiry: Enquiry, to: Status, *, by: User, note: str) -> StatusChange:
    moment = clock.now()
    change = StatusChange.objects.create(
        enquiry=enquiry, from_status=enquiry.status, to_status=to.value, note=note, at=moment, by=by
    )
    enquiry.status = to.value
    enquiry.status_changed_at = moment
    enquiry.save(update_fields=["status", "status_changed_at", "updated_at"])
    return change


@audit.atomic()
def change_status(
    *, enquiry: Enquiry, to: str, by: User, via: audit.Via, note: str = ""
) -> Enquiry:
    """Move a request to new, contacted or closed, with an optional note the audit keeps."""
    require(by, Capability.TRIAGE_ENQUIRIES)
    storable(note, field="note", max_length=REASON_MAX)
    try:
        target = Status(to)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, f"status must be one of: {allowed}", "status"
        ) from None
    enquiry = _locked(enquiry)
    before = Status(enquiry.status)
    refusal = status_refusal(before, target)
    if refusal is Refusal.NOT_BY_HAND:
        raise Conflict(ErrorCode.OWN_STEP, refusal.message(target), "status")
    if refusal is Refusal.BOOKED:
        raise Conflict(ErrorCode.ILLEGAL_TRANSITION, refusal.message(target), "status")
    if refusal is Refusal.SAME:
        raise Conflict(ErrorCode.NO_CHANGE, refusal.message(target), "status")
    _move(enquiry, target, by=by, note=note.strip())
    audit.record(
        actor=by,
        action="enquiry.status",
        object_type="enquiry",
        object_id=enquiry.public_id,
        patient_id=enquiry.patient.public_id if enquiry.patient else None,
        summary=f"Consultation request: {before.label} to {target.label}",
        reason=note.strip(),
        via=via,
    )
    return enquiry


@dataclass(frozen=True)
class Converted:
    enquiry: Enquiry
    patient: Patient
    episode: Episode
    registered: bool  # a new patient (False: linked to one already registered)


@audit.atomic()
def convert_enquiry(
    *,
    enquiry: Enquiry,
    side: str,
    procedure: str,
    by: User,
    via: audit.Via,
    patient: Patient | None = None,
    details: PatientDetails | None = None,
    confirm_not_duplicate: bool = False,
    not_duplicate_reason: str = "",
) -> Converted:
    """Turn a request into a patient and a referral episode for one hip, in one step.

    Either ``patient`` (already registered: the request is linked to them) or ``details``
    (a new patient, registered through the patients' service, which refuses a possible
    duplicate unless the caller confirms it is not one, with a reason). The episode is
    opened through the pathways' service. Any refusal leaves nothing: no patient, no
    episode, the request unchanged.
    """
    require(by, Capability.TRIAGE_ENQUIRIES)
    require(by, Capability.EDIT_PATIENTS)
    require(by, Capability.CREATE_EPISODES)
    if (patient is None) == (details is None):
        raise InvalidInput(
            ErrorCode.REQUIRED,
            "choose a patient already registered, or register a new one",
            "patient",
        )
    enquiry = _locked(enquiry)
    if enquiry.is_booked:
        raise Conflict(
            ErrorCode.ILLEGAL_TRANSITION,
            "this request was turned into a patient and a referral already",
            "patient",
        )
    registered = patient is None
    if details is not None:
        patient = patients.register_patient(
            details=details,
            by=by,
            via=via,
            confirm_not_duplicate=confirm_not_duplicate,
            not_duplicate_reason=not_duplicate_reason,
        )
    assert patient is not None  # noqa: S101 - one of the two, checked above
    episode = pathways.open_episode(patient=patient, side=side, procedure=procedure, by=by, via=via)
    _move(enquiry, Status.BOOKED, by=by, note="")
    enquiry.patient, enquiry.episode = patient, episode
    enquiry.save(update_fields=["patient", "episode", "updated_at"])
    audit.record(
        actor=by,
        action="enquiry.convert",
        object_type="enquiry",
        object_id=enquiry.public_id,
        patient_id=patient.public_id,
        summary="Consultation request turned into "
        + ("a new patient" if registered else "a patient already registered")
        + f" and a {episode.side} hip referral",
        via=via,
        details={"episode": str(episode.public_id), "registered": registered},
    )
    return Converted(enquiry=enquiry, patient=patient, episode=episode, registered=registered)
