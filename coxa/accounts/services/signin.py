"""Signing in and out, by the form or for an API token: the lock-out and the audit trail.

django-axes counts failures per username and address (``settings.AXES_*``): a wrong password,
an unknown username, a refused demo account and a wrong second-factor code all count. Its
backend refuses a locked-out pair before any password is checked. Django's and axes' auth
signals call the ``record_*`` functions here (``coxa/accounts/signals.py``), so every way in
is audited alike: ``auth.sign-in``, ``auth.sign-in-failed`` (the username tried, never the
password or code), ``auth.sign-out`` and ``auth.locked-out``.

Nothing here runs in one transaction with the request: a refused sign-in must leave its
failure and audit record behind.
"""

import copy
import datetime as dt
import math
from typing import Any, ClassVar

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import otp, tokens
from coxa.core import audit
from coxa.core.errors import CoxaError, ErrorCode, NotAuthenticated
from coxa.core.web import is_api

USERNAME_SHOWN = 150


class LockedOut(CoxaError):
    """Too many failed sign-ins for this username from this address: wait, or be unlocked."""

    status: ClassVar[int] = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(ErrorCode.LOCKED_OUT, message, None)
        self.retry_after = retry_after


def via_of(request: HttpRequest) -> audit.Via:
    return audit.Via.API if is_api(request) else audit.Via.WEB


def _ip(request: HttpRequest) -> str:
    return str(getattr(request, "axes_ip_address", None) or get_client_ip_address(request))


def client_address(request: HttpRequest) -> str:
    """The caller's address, as the lock-out counts it (trusted proxies only)."""
    return _ip(request)


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, get_credentials(username))


def seconds_locked(request: HttpRequest, username: str) -> int:
    """Seconds until this username and address may try again (axes keeps its own clock)."""
    cool_off: dt.timedelta = settings.AXES_COOLOFF_TIME
    last: dt.datetime | None = (
        AccessAttempt.objects.filter(username=username, ip_address=_ip(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return math.ceil(cool_off.total_seconds())
    return max(1, math.ceil((last + cool_off - timezone.now()).total_seconds()))


def locked_out_error(request: HttpRequest, username: str) -> LockedOut:
    seconds = seconds_locked(request, username)
    minutes = max(1, math.ceil(seconds / 60))
    return LockedOut(
        f"too many failed sign-ins for this username from this address: try again in "
        f"{minutes} minute{'s' if minutes > 1 else ''}, or ask an administrator to unlock it",
        seconds,
    )


def fail(request: HttpRequest, username: str, reason: str) -> None:
    """Count a failure Django's ``authenticate`` did not see (a wrong second-factor code)."""
    user_login_failed.send(
        sender=__name__, credentials=get_credentials(username), request=request, reason=reason
    )


def count_failure(request: HttpRequest, name: str, reason: str, *, hide: str = "") -> bool:
    """Count and audit a failure on a way in other than the sign-in form; True once locked out.

    Counted under ``name``, which no account can have (a bracketed phrase), so django-axes
    counts it per client address. django-axes keeps a failed request's body, query and path
    (``AccessAttempt``): it is handed a copy with none of the form (a password, a signed
    assertion) and the path with ``hide`` (a link's token) hidden.
    """
    counted = copy.copy(request)
    counted.POST = QueryDict()
    counted.GET = QueryDict()
    AxesProxyHandler.update_request(counted)  # axes' own attributes, then the path replaced
    if hide:
        counted.axes_path_info = request.path.replace(hide, "[hidden]")  # type: ignore[attr-defined]
    fail(counted, name, reason)
    return bool(getattr(counted, "axes_locked_out", False))


def check_second_factor(request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """The device that accepts the code; a wrong code counts towards the lock-out."""
    if is_locked_out(request, user.username):
        request.axes_locked_out = True  # type: ignore[attr-defined] # as axes' backend does
        fail(request, user.username, "locked out")  # not counted; audited as auth.locked-out
        raise locked_out_error(request, user.username)
    device = otp.check_code(user, code)
    if device is None:
        fail(request, user.username, "wrong second-factor code")
        if getattr(request, "axes_locked_out", False):
            raise locked_out_error(request, user.username)
        raise NotAuthenticated(ErrorCode.WRONG_OTP, otp.WRONG_CODE, "otp")
    return device


def sign_in_for_token(request: HttpRequest, *, username: str, password: str, otp_code: str) -> User:
    """Check a username, password and (when needed) code for the API; record the sign-in."""
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        if getattr(request, "axes_locked_out", False):
            raise locked_out_error(request, username)
        raise NotAuthenticated(
            ErrorCode.INVALID_CREDENTIALS, "username or password is wrong", "password"
        )
    if otp.needs_code(user):
        if otp.confirmed_device(user) is None:
            raise NotAuthenticated(
                ErrorCode.OTP_NOT_SET_UP,
                f"the {user.role_label.lower()} role needs a second factor: sign in on the "
                "web and set up an authenticator app first",
                "otp",
            )
        if not otp_code.strip():
            raise NotAuthenticated(
                ErrorCode.OTP_REQUIRED,
                "this account needs the code from its authenticator app",
                "otp",
            )
        check_second_factor(request, user, otp_code)
    user_logged_in.send(sender=type(user), request=request, user=user)
    return user


# ------------------------------------------------------------------ audit (from auth signals)
def _details(request: HttpRequest, **more: Any) -> dict[str, Any]:
    return {"ip": _ip(request), **more}


def record_sign_in(request: HttpRequest, user: User) -> None:
    audit.record(
        actor=user,
        action="auth.sign-in",
        object_type="user",
        object_id=str(user.pk),
        summary=f"{user.username} signed in",
        via=via_of(request),
        details=_details(request),
    )


def _refused_while_locked(request: HttpRequest) -> bool:
    # axes refused before any check: it counts nothing and sends user_locked_out instead.
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def _why(user: User | None) -> str:
    if user is None:
        return "unknown username"
    if not user.is_active:
        return "account may not sign in"
    if user.is_demo and not settings.DEBUG:
        return "demo account, refused with COXA_DEBUG off"
    if user.role == Role.SYSTEM:
        return "a connected system's account, which signs in only with its key"
    return "wrong password"


def record_sign_in_failed(request: HttpRequest, username: str, reason: str | None) -> None:
    """Audit a failure; one refused by the lock-out is recorded as ``auth.locked-out``."""
    if _refused_while_locked(request):
        return
    tried = username[:USERNAME_SHOWN]
    user = User.objects.filter(username=tried).first()
    why = reason or _why(user)
    audit.record(
        actor=None,  # no one has signed in: Coxa records the attempt
        action="auth.sign-in-failed",
        object_type="user",
        object_id="" if user is None else str(user.pk),
        summary=f"Failed sign-in as {tried!r}: {why}",
        reason=why,
        via=via_of(request),
        details=_details(request, username=tried),
    )


def record_locked_out(request: HttpRequest, username: str) -> None:
    tried = username[:USERNAME_SHOWN]
    user = User.objects.filter(username=tried).first()
    audit.record(
        actor=None,  # no one has signed in: Coxa records the attempt
        action="auth.locked-out",
        object_type="user",
        object_id="" if user is None else str(user.pk),
        summary=f"Sign-in as {tried!r} refused: locked out after repeated failures",
        reason="locked out",
        via=via_of(request),
        details=_details(request, username=tried, limit=settings.AXES_FAILURE_LIMIT),
    )


def record_sign_out(request: HttpRequest, user: User) -> None:
    """Audit a web sign-out and revoke the user's API tokens with it."""
    audit.record(
        actor=user,
        action="auth.sign-out",
        object_type="user",
        object_id=str(user.pk),
        summary=f"{user.username} signed out",
        via=via_of(request),
        details=_details(request),
    )
    tokens.revoke_all(user=user, by=user, reason="signed out", via=via_of(request))
