"""Coxa's password backend: Django's, except that demo accounts need COXA_DEBUG on.

It sits after axes' backend (settings.AUTHENTICATION_BACKENDS), which refuses a locked-out
username and address first. A refused demo account is an ordinary failed sign-in: it counts
towards the lock-out and is audited. Sessions of demo accounts stop working too, because
Django asks ``user_can_authenticate`` again when it loads the user of a session.

A connected system's account never signs in with a password (it has none, and one set by
hand is refused here): it proves itself only with its key (ADR 0033).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from coxa.accounts.domain import Role


class CoxaBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if getattr(user, "role", None) == Role.SYSTEM:
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)
