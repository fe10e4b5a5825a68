"""The guard every API operation passes first: ``auth=allow(Op.X)`` on each route.

Beside ``access`` (the pages' guard, which this shares), apart so that the pages load
without django-ninja, which only the API needs (issue 20). A role the operation's row in
``permissions.TABLE`` does not admit is refused with 403 before the body is validated, and
the refusal is audited; a caller with neither a token nor a session gets 401.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as DjangoSessionAuth

from coxa.accounts.access import admit
from coxa.accounts.models import User
from coxa.accounts.permissions import TABLE, Op
from coxa.accounts.services import user_for_token
from coxa.core.errors import ErrorCode, Forbidden


class _Anyone:
    """What a public operation's caller is: nobody in particular (never a User)."""

    def __bool__(self) -> bool:
        return True


ANYONE = _Anyone()


class _Guard:
    op: Op

    def admit(self, request: HttpRequest, user: User | None) -> User | None:
        if user is None:
            return None
        request.auth = user  # type: ignore[attr-defined] # the refusal handler audits as them
        admit(self.op, user)
        return user


class BearerAuth(_Guard, HttpBearer):
    """``Authorization: Bearer coxa_...``, a token from POST /api/v1/auth/token."""

    def __init__(self, op: Op) -> None:
        super().__init__()
        self.op = op

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return self.admit(request, user_for_token(token))


class SessionAuth(_Guard, DjangoSessionAuth):
    """A signed-in browser session (with its CSRF token for changes)."""

    def __init__(self, op: Op) -> None:
        super().__init__()
        self.op = op

    def __call__(self, request: HttpRequest) -> User | None:
        # No signed-in session: not this guard's caller (401), not a failed CSRF check (403).
        if not getattr(request.user, "is_authenticated", False):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return self.admit(request, user if isinstance(user, User) else None)


class _PublicGuard:
    def __init__(self, op: Op) -> None:
        self.op = op

    def __call__(self, request: HttpRequest) -> _Anyone:
        return ANYONE


class _Unbound:
    """The API's default ``auth``: an operation with no ``allow(...)`` is refused to everyone.

    ``csrf`` tells ninja's documentation page to send the CSRF token, so that "Try it out"
    works with a signed-in session as the routes' own guards do.
    """

    csrf = True

    def __call__(self, request: HttpRequest) -> None:
        raise Forbidden(
            ErrorCode.UNBOUND_OPERATION, "this operation has no row in the permission table"
        )


unbound = _Unbound()


def allow(op: Op) -> list[Callable[[HttpRequest], Any]]:
    """The ``auth=`` of an API route: a bearer token or a session, admitted by the table."""
    if TABLE[op].public:
        return [_PublicGuard(op)]
    return [BearerAuth(op), SessionAuth(op)]


def api_operation_of(auth_callbacks: list[Any]) -> Op | None:
    ops = {getattr(callback, "op", None) for callback in auth_callbacks}
    return next(iter(ops)) if len(ops) == 1 else None
