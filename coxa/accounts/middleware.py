"""The second factor, enforced on every request (after django-otp's ``OTPMiddleware``).

A session counts as a sign-in only once the second factor is satisfied for a user who needs
one (a role in COXA_OTP_REQUIRED_ROLES, or a confirmed device):

* an administrator without a device is sent to set one up, and reaches nothing else (but
  signing out) until they have;
* a session that predates the user's device is signed out, to sign in again with a code;
* the API never accepts such a session (bearer tokens are checked when issued).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.core.web import is_api

ENROL_VIEW = "two-factor"


class SecondFactor:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            isinstance(user, User)
            and not user.is_verified()  # type: ignore[attr-defined] # set by OTPMiddleware
            and otp.needs_code(user)
        ):
            if is_api(request):
                request.user = AnonymousUser()
            elif request.path not in {reverse(ENROL_VIEW), reverse("logout")}:
                if otp.confirmed_device(user) is None:
                    return redirect(ENROL_VIEW)
                logout(request)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        return self.get_response(request)
