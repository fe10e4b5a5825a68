"""The guard every page and API operation passes first: it reads the permission table.

``@page(Op.X)`` on a view and ``auth=allow(Op.X)`` on an API route bind the route to its row
in ``permissions.TABLE``. A role the row does not admit is refused with 403 before the view
or the body's validation runs, and the refusal is audited; so are refusals raised deeper
(a patient asking for another patient's record). Anonymous callers get the login page or
401. ``operation_of`` tells the generated permission test which row a route is bound to.
"""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja.security import HttpBearer
from ninja.security import SessionAuth as DjangoSessionAuth

from coxa.accounts.models import User
from coxa.accounts.permissions import TABLE, Op, admits
from coxa.accounts.services import user_for_token
from coxa.core.errors import ErrorCode, Forbidden, NotAuthenticated
from coxa.core.web import page as _signed_in_page

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
PageView = TypeVar("PageView", bound=Callable[..., HttpResponse])
OPERATIONS_ATTRIBUTE = "coxa_operations"
POST_ONLY_ATTRIBUTE = "coxa_post_only"  # a service called by POST (the CDS service)


def refusal(op: Op | str, user: User) -> Forbidden:
    return Forbidden(
        ErrorCode.FORBIDDEN, f"the {user.role_label.lower()} role may not do this ({op})"
    )


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a page that ``@page`` guards (the one way pages get their user)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated(ErrorCode.NOT_AUTHENTICATED, "sign in first")
    return user


def _check(op: Op, user: User) -> None:
    if not admits(op, user.role):
        raise refusal(op, user)


# ------------------------------------------------------------------ pages
def page(op: Op, *, post: Op | None = None) -> Callable[[PageView], PageView]:
    """Bind a page to its row(s): ``op`` for reading it, ``post`` (if given) for submitting."""

    def decorate(view: PageView) -> PageView:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)  # noqa: S101 - signed in: login_required runs first
            _check(post if post is not None and request.method == "POST" else op, user)
            return view(request, *args, **kwargs)

        wrapped = _signed_in_page(guarded)
        setattr(wrapped, OPERATIONS_ATTRIBUTE, (op,) if post is None else (op, post))
        return wrapped  # type: ignore[return-value]

    return decorate


def public(op: Op) -> Callable[[View], View]:
    """Mark a view anyone may open (the table must say so)."""
    if not TABLE[op].public:
        raise ValueError(f"{op} is not public in the permission table")

    def decorate(view: View) -> View:
        setattr(view, OPERATIONS_ATTRIBUTE, (op,))
        return view

    return decorate


def guards_itself(op: Op) -> Callable[[View], View]:
    """Mark a view that authenticates its own way (the CDS service) and checks ``op`` itself."""

    def decorate(view: View) -> View:
        setattr(view, OPERATIONS_ATTRIBUTE, (op,))
        setattr(view, POST_ONLY_ATTRIBUTE, True)
        return view

    return decorate


def admit(op: Op, user: User) -> None:
    """Raise Forbidden unless the table admits the user's role to ``op``."""
    _check(op, user)


def operation_of(view: Callable[..., Any]) -> tuple[Op, ...] | None:
    return getattr(view, OPERATIONS_ATTRIBUTE, None)


# ------------------------------------------------------------------ API
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
        _check(self.op, user)
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
