"""Pages: the team invites a patient to the portal; the patient accepts by the link.

The staff page shows whether the patient has an account or an open invitation, and sends a
new one (which revokes the old). The public page behind the link asks for a username and a
password, makes the account (``portal.services.accept``) and signs the patient in. It says
nothing of whom the link is for; a link that cannot be used (unknown, used, expired,
replaced) gets one page, 404, whatever the case (H81). Someone already signed in is asked to
sign out first (409) and nothing is looked up or linked. Each unusable link, and each
username or password the service refuses on a usable one (a username taken must not be a
free answer), counts as a failed sign-in from that client (django-axes: audited, and after
``COXA_LOGIN_FAILURE_LIMIT`` the client is refused every invitation link for the cool-off,
429). django-axes is handed neither the form's body (passwords) nor the link's token: see
``_count``.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from coxa.accounts.access import page, public, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.services import signin
from coxa.core.audit import Via
from coxa.core.contacts import service_contacts
from coxa.core.errors import Conflict, InvalidInput, NotFound
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.core.words import day_month_year
from coxa.portal import services
from coxa.portal.forms import AcceptForm, InviteForm
from coxa.portal.services import (
    InvitationState,
    PortalAccess,
    access_portal,
    invitation_for,
    invitation_state,
)

# The name failures are counted under (no account can have it: usernames have no spaces or
# brackets), so django-axes counts them per client address.
PROBE = "(portal invitation)"
BACKEND = "coxa.accounts.backends.CoxaBackend"


# ------------------------------------------------------------------ staff
def _invite_page(request: HttpRequest, shown: PortalAccess, form: InviteForm) -> HttpResponse:
    last = shown.last
    context = {
        "patient": shown.patient,
        "access": shown,
        # the latest invitation's days, in the service's time zone (as the email writes them)
        "issued_on": services.local_day(last.issued_at) if last else None,
        "expires_on": services.expires_on(last) if last else None,
        "used_on": services.local_day(last.used_at) if last and last.used_at else None,
        "form": form,
        "refusal": services.refusal(shown.patient, services.Delivery.EMAIL),
        "days": settings.PORTAL_INVITATION_DAYS,
    }
    return render(request, "portal/invite.html", context, status=status_of(form))


@page(Op.PAGE_PORTAL_INVITE)
def invite_patient(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    """The patient's portal access, and the button that emails them an invitation.

    The email goes once the invitation is committed; a mailer that fails is said plainly.
    """
    user = user_of(request)
    shown = access_portal(actor=user, patient_id=patient_id, via=Via.WEB)
    if request.method != "POST":
        return _invite_page(request, shown, InviteForm())
    form = InviteForm(request.POST)
    made: list[services.Issued] = []

    def call(data: dict[str, object]) -> Submitted:
        def create() -> str:
            made.append(
                services.invite(
                    patient=shown.patient,
                    by=user,
                    via=Via.WEB,
                    url_for=lambda token: request.build_absolute_uri(
                        reverse("portal:accept", kwargs={"token": token})
                    ),
                )
            )
            return reverse("portal-invite", kwargs={"patient_id": patient_id})

        return submit_once(request, "portal.invite", create)

    done = submit(form, lambda data: data, call)
    if done is None:
        return _invite_page(request, shown, form)
    if done.again or not made:
        messages.success(request, "This form had already been sent: one invitation was sent.")
    elif services.send_invitation(made[0]):
        issued = made[0].invitation
        messages.success(
            request,
            f"Invitation emailed to {issued.sent_to}. It works once, until "
            f"{day_month_year(services.expires_on(issued))}.",
        )
    else:
        messages.error(
            request,
            f"The email was NOT sent: the mail system failed to send it to {made[0].emailed_to}. "
            "The invitation stands, but the patient has no link: send a new invitation (it "
            "replaces this one), or ask the service's administrator for a link printed to give "
            "the patient by hand.",
        )
    return redirect(done.url)


# ------------------------------------------------------------------ the patient, by the link
def _cannot(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    context = {"reason": reason, "office": service_contacts()[-1]}
    return render(request, "portal/invitation_closed.html", context, status=status)


def _count(request: HttpRequest, token: str, reason: str) -> bool:
    """Count and audit a failure from this client; True when it is now locked out.

    django-axes is handed none of the form (the password typed twice: axes masks only the
    names it is told) and the path with the token hidden (a closed link can reopen).
    """
    return signin.count_failure(request, PROBE, reason, hide=token)


def _failed(request: HttpRequest, token: str) -> HttpResponse:
    """Count and audit a link that cannot be used; refuse the client once it is locked out."""
    if _count(request, token, "a portal invitation link that cannot be used"):
        return _locked(request)
    return _cannot(request, "closed", 404)


def _locked(request: HttpRequest) -> HttpResponse:
    # Answered here, in the portal's words: axes' middleware would answer with the sign-in
    # form's lock-out page (the lock-out is already counted and audited).
    request.axes_locked_out = False  # type: ignore[attr-defined]
    answer = _cannot(request, "too-many", 429)
    answer["Retry-After"] = str(signin.seconds_locked(request, PROBE))
    return answer


@never_cache
@public(Op.PAGE_PORTAL_ACCEPT)
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a username and a password; the account is made, linked and signed in."""
    if request.user.is_authenticated:  # nothing looked up: the link stays usable
        return _cannot(request, "signed-in", 409)
    if signin.is_locked_out(request, PROBE):
        request.axes_locked_out = True  # type: ignore[attr-defined] # as axes' backend does
        _count(request, token, "locked out")  # not counted; audited as auth.locked-out
        return _locked(request)
    invitation = invitation_for(token)
    if invitation is None or invitation_state(invitation) is not InvitationState.OPEN:
        return _failed(request, token)
    if request.method != "POST":
        return _accept_page(request, AcceptForm(), services.expires_on(invitation))
    return _accept(request, token, services.expires_on(invitation))


def _accept(request: HttpRequest, token: str, expires: dt.date) -> HttpResponse:
    form = AcceptForm(request.POST)
    refused: list[Conflict | InvalidInput] = []

    def call(data: dict[str, str]) -> User:
        try:
            return services.accept(
                token=token, username=data["username"], password=data["password"]
            )
        except (Conflict, InvalidInput) as refusal:  # a username taken, a password refused
            refused.append(refusal)
            raise

    try:
        user = submit(form, lambda data: data, call)
    except NotFound:  # used or replaced a moment ago
        return _failed(request, token)
    if user is None:
        if refused:  # counted: no free answer to "is this username taken?" (the next
            # request after the limit is refused, 429; this one still shows its problems)
            _count(request, token, "a portal invitation's username or password refused")
        return _accept_page(request, form, expires)
    login(request, user, backend=BACKEND)  # audited as a sign-in (accounts.signals)
    messages.success(request, "Your account is ready. You are signed in.")
    return redirect("portal:home")


def _accept_page(request: HttpRequest, form: AcceptForm, expires: dt.date) -> HttpResponse:
    context = {"form": form, "expires": expires}
    return render(request, "portal/accept.html", context, status=status_of(form))
