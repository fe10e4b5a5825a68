"""Auth signals, the one use of signals in Coxa: each receiver calls an accounts service.

Django and django-axes announce sign-in, sign-out, failures and lock-outs from their own
code, wherever a sign-in happens (the form, its code step, the token endpoint). Connected in
``AccountsConfig.ready``.
"""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from coxa.accounts.models import User
from coxa.accounts.services import signin


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and isinstance(user, User):
        signin.record_sign_in(request, user)


def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and isinstance(user, User):
        signin.record_sign_out(request, user)


def _failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    reason: str | None = None,
    **kwargs: Any,
) -> None:
    if request is not None:
        signin.record_sign_in_failed(request, str(credentials.get("username") or ""), reason)


def _locked_out(sender: Any, request: HttpRequest | None, username: Any, **kwargs: Any) -> None:
    if request is not None:
        signin.record_locked_out(request, str(username or ""))


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="coxa.accounts.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="coxa.accounts.signed_out")
    user_login_failed.connect(_failed, dispatch_uid="coxa.accounts.failed")
    user_locked_out.connect(_locked_out, dispatch_uid="coxa.accounts.locked_out")
