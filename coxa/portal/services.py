"""Portal invitations: staff invite a patient; the patient sets a password and has an account.

An invitation is a one-time link for one patient (ADR 0027; hazards H80, H81). Its token is
32 random bytes (``secrets``), emailed to the patient's address on record or printed by
``coxa invite_patient`` to be given by hand; only its SHA-256 is stored, as for questionnaire
links (``outcomes.services.links``). It works for ``COXA_PORTAL_INVITATION_DAYS`` and once; a
new invitation revokes the patient's older open one. Accepting it locks the patient and the
invitation, checks it is still open, makes a patient-role account with the password the
patient chose (the password rules apply), links it to that patient and no other
(``patients.services.link_account``, on the authority of the member of staff who issued it),
and marks it used: one transaction, so nothing is half made.

The email goes after the invitation's transaction has committed (``send_invitation``, called
by the page and the command once ``invite`` returns, as ``enquiries.services.send_confirmation``
is): no row stays locked while a mail server answers, no link is sent for an invitation that
was then rolled back, and a mail server that fails costs no invitation and no 500. Days a
person reads are in the service's time zone (``expires_on``), as the pages show them.
"""

import datetime as dt
import enum
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.accounts.services import create_user
from coxa.core import audit, clock, words
from coxa.core.contacts import service_contacts
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound
from coxa.outcomes.services.links import TOKEN_BYTES, token_hash
from coxa.patients.models import Patient
from coxa.patients.selectors import access_patient
from coxa.patients.services import link_account
from coxa.portal.models import PortalInvitation

logger = logging.getLogger(__name__)


class InvitationState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"  # a newer invitation replaced it
    CLOSED = "closed"  # the patient has an account or died, or its issuer may no longer invite
    UNKNOWN = "unknown"


def invitation_state(invitation: PortalInvitation | None) -> InvitationState:
    """Open until it expires (the expiry instant itself is too late), once, unless replaced.

    An invitation is closed when its patient has since got an account or died, or when the
    member of staff who issued it may no longer register patients (a role changed, an
    account closed): the account it would make is linked on their authority (H80).
    """
    if invitation is None:
        return InvitationState.UNKNOWN
    if invitation.used_at is not None:
        return InvitationState.USED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    patient, issuer = invitation.patient, invitation.issued_by
    if (
        patient.user_id is not None
        or patient.date_of_death is not None
        or not issuer.is_active
        or not can(issuer.role, Capability.EDIT_PATIENTS)
    ):
        return InvitationState.CLOSED
    if clock.now() >= invitation.expires_at:
        return InvitationState.EXPIRED
    return InvitationState.OPEN


def invitation_for(token: str) -> PortalInvitation | None:
    """The invitation a link's token opens, if any (looked up by its hash; names no one)."""
    return (
        PortalInvitation.objects.filter(token_hash=token_hash(token))
        .select_related("patient", "issued_by")
        .first()
    )


@dataclass(frozen=True)
class PortalAccess:
    """A patient's portal access as the team sees it (never a link: only its hash is kept)."""

    patient: Patient
    account: User | None  # the linked patient-role account
    invitation: PortalInvitation | None  # the open invitation, if any
    last: PortalInvitation | None  # the latest invitation, whatever became of it
    last_state: InvitationState | None

    # What became of the latest invitation, for the page to say in words (no status compared
    # as a string in a template).
    @property
    def last_used(self) -> bool:
        return self.last_state is InvitationState.USED

    @property
    def last_revoked(self) -> bool:
        return self.last_state is InvitationState.REVOKED

    @property
    def last_expired(self) -> bool:
        return self.last_state is InvitationState.EXPIRED


def access_portal(*, actor: User, patient_id: uuid.UUID, via: audit.Via) -> PortalAccess:
    """The patient's account and latest invitation, for staff who may invite them.

    The read of the patient is recorded by ``patients.selectors.access_patient``.
    """
    require(actor, Capability.EDIT_PATIENTS)
    patient = access_patient(actor=actor, patient_id=patient_id, via=via)
    last = (
        PortalInvitation.objects.filter(patient=patient)
        .select_related("patient", "issued_by", "account")
        .first()
    )
    state = invitation_state(last) if last is not None else None
    return PortalAccess(
        patient=patient,
        account=patient.user,
        invitation=last if state is InvitationState.OPEN else None,
        last=last,
        last_state=state,
    )


class Delivery(enum.Enum):
    EMAIL = "email"  # to the patient's address on record (the staff page)
    BY_HAND = "by-hand"  # printed for the team to give the patient (``coxa invite_patient``)


@dataclass(frozen=True)
class Issued:
    invitation: PortalInvitation
    url: str  # holds the token: shown to no one but its recipient, never stored or logged
    emailed_to: str  # the address to email (``send_invitation``); "" when given by hand


def local_day(moment: dt.datetime) -> dt.date:
    """The day a stored (UTC) moment falls on in the service's time zone: the day people read."""
    return timezone.localtime(moment).date()


def expires_on(invitation: PortalInvitation) -> dt.date:
    """The last day the link works, as the email, the pages and the command write it."""
    return local_day(invitation.expires_at)


def _email(to: str, url: str, expires: dt.date) -> None:
    office = service_contacts()[-1]
    send_mail(
        subject="Your hip team invites you to see your records online",
        message=(
            "Your hip team has made you a place to see your own records online: where you "
            "are in your treatment, your dates, your exercises, your letters and your plans.\n\n"
            f"To set up your account, open this link and choose a password:\n{url}\n\n"
            f"The link works once, until {words.day_month_year(expires)}. Please do not "
            "forward it: whoever uses it first gets the account.\n"
            "If you did not expect this message, or the link has stopped working, call your "
            f"hip team on {office.phone} ({office.label}).\n"
        ),
        from_email=None,
        recipient_list=[to],
    )


def refusal(patient: Patient, delivery: Delivery) -> InvalidInput | Conflict | None:
    """Why this patient may not be invited now (None: they may), naming the field at fault."""
    if patient.date_of_death is not None:
        return Conflict(
            ErrorCode.PATIENT_DECEASED,
            "the patient's death is recorded: no portal invitation is sent",
            "date_of_death",
        )
    if patient.user_id is not None:
        return Conflict(
            ErrorCode.HAS_PORTAL_ACCOUNT,
            "this patient already has a portal account: they sign in with it",
            "user",
        )
    if delivery is Delivery.EMAIL and not patient.email.strip():
        return InvalidInput(
            ErrorCode.REQUIRED,
            "the patient has no email address on record: add one under Change details, "
            "or ask the service's administrator for a link to give them by hand",
            "email",
        )
    return None


def _closed_issuer(by: User) -> InvalidInput | None:
    # An invitation whose issuer's account is closed is closed too (``invitation_state``):
    # refused here rather than sent dead on arrival.
    if by.is_active:
        return None
    return InvalidInput(
        ErrorCode.INVALID_VALUE,
        f"the account {by.get_username()} is closed: an invitation it issued would not work; "
        "ask an active member of the team to invite the patient",
        "by",
    )


@audit.atomic()
def invite(
    *,
    patient: Patient,
    by: User,
    via: audit.Via,
    url_for: Callable[[str], str],
    delivery: Delivery = Delivery.EMAIL,
) -> Issued:
    """Invite the patient to the portal: a new one-time link, to email or give by hand.

    Refused for an issuer whose account is closed (400, ``by``), a patient whose death is
    recorded (409), who already has an account (409), or, by email, who has no email address
    (400). Any older open invitation is revoked. Nothing is emailed here: the caller sends
    the link with ``send_invitation`` once this has returned (committed).
    """
    require(by, Capability.EDIT_PATIENTS)
    closed = _closed_issuer(by)
    if closed is not None:
        raise closed
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    refused = refusal(locked, delivery)
    if refused is not None:
        raise refused
    now = clock.now()
    revoked = PortalInvitation.objects.filter(patient=locked, used_at=None, revoked_at=None).update(
        revoked_at=now, updated_at=now
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    sent_to = locked.email.strip() if delivery is Delivery.EMAIL else ""
    invitation = PortalInvitation.objects.create(
        patient=locked,
        token_hash=token_hash(token),
        sent_to=sent_to,
        issued_by=by,
        issued_at=now,
        expires_at=now + dt.timedelta(days=settings.PORTAL_INVITATION_DAYS),
    )
    url = url_for(token)
    audit.record(
        actor=by,
        action="portal-invitation.issue",
        object_type="portal-invitation",
        object_id=invitation.public_id,
        patient_id=locked.public_id,
        summary="Invited the patient to the portal"
        + (" (to be emailed to the patient)" if sent_to else " (a link given by hand)")
        + (" and revoked the earlier invitation" if revoked else ""),
        via=via,
        details={"expires_at": invitation.expires_at.isoformat(), "revoked": revoked},
    )
    return Issued(invitation, url, sent_to)


def send_invitation(issued: Issued) -> bool:
    """Email the link to the patient, after ``invite`` has committed; True when sent.

    A mail server that fails, or an address the mailer cannot use, is logged (never the link)
    and answered False: the invitation stands, its ``emailed_at`` stays empty (the staff page
    says the email did not go), and the caller tells the member of staff
    plainly that no email went (they send a new one, which replaces it, or have one printed).
    """
    if not issued.emailed_to:
        return False
    try:
        _email(issued.emailed_to, issued.url, expires_on(issued.invitation))
    except Exception:  # any mailer error (a server down, an address it cannot encode)
        logger.exception("portal invitation %s: the email failed", issued.invitation.public_id)
        return False
    issued.invitation.emailed_at = clock.now()
    PortalInvitation.objects.filter(pk=issued.invitation.pk).update(
        emailed_at=issued.invitation.emailed_at
    )
    return True


def _unusable() -> NotFound:
    # One answer for an unknown, used, expired, revoked or closed invitation (H81).
    return NotFound(ErrorCode.INVITATION_NOT_USABLE, "this invitation cannot be used")


@audit.atomic()
def accept(*, token: str, username: str, password: str, via: audit.Via = audit.Via.WEB) -> User:
    """Make the invited patient's account with the password they chose, and use the link up.

    Refused (404 ``invitation-not-usable``) unless the invitation is open; a username taken
    (409) or a password the rules refuse (400) is named by its field and leaves the
    invitation usable. Locks the patient, then the invitation (the order ``invite`` takes),
    and checks again under the locks: two acceptances at once make one account.
    """
    found = PortalInvitation.objects.filter(token_hash=token_hash(token)).first()
    if found is None:
        raise _unusable()
    Patient.objects.select_for_update().get(pk=found.patient_id)
    invitation = (
        PortalInvitation.objects.select_for_update()
        .select_related("patient", "issued_by")
        .get(pk=found.pk)
    )
    if invitation_state(invitation) is not InvitationState.OPEN:
        raise _unusable()
    patient = invitation.patient
    user = create_user(
        username=username,
        role=Role.PATIENT.value,
        password=password,
        by=None,
        first_name=patient.given_name,  # so the password rules refuse one like the name
        last_name=patient.family_name,
        email=invitation.sent_to or patient.email,
        via=via,
    )
    link_account(patient=patient, user=user, by=invitation.issued_by, via=via)
    invitation.used_at = clock.now()
    invitation.account = user
    invitation.save(update_fields=["used_at", "account", "updated_at"])
    audit.record(
        actor=user,
        action="portal-invitation.accept",
        object_type="portal-invitation",
        object_id=invitation.public_id,
        patient_id=patient.public_id,
        summary=f"The patient accepted the portal invitation and made the account {user.username}",
        via=via,
        details={"issued_by": invitation.issued_by.get_username()},
    )
    return user
