"""The write path for accounts: users, roles and passwords; and the token exchange.

Tokens, sign-in and the second factor have their own modules: ``tokens``, ``signin``, ``otp``.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import signin, tokens
from coxa.accounts.services.tokens import TOKEN_PREFIX, revoke_token, user_for_token
from coxa.core import audit
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, Problem

USERNAME_MAX = 150
SYSTEM_ACCOUNT = (
    f"a {Role.SYSTEM.label.lower()} has no password and no other role: register, change and "
    "revoke it with `coxa systems`"
)


def _check_role(role: str) -> Role:
    """A person's role; a connected system's account is made by `coxa systems` alone."""
    try:
        checked = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
        raise InvalidInput(
            ErrorCode.UNKNOWN_ROLE, f"role must be one of: {allowed}", "role"
        ) from None
    if checked is Role.SYSTEM:
        raise InvalidInput(ErrorCode.SYSTEM_ACCOUNT, SYSTEM_ACCOUNT, "role")
    return checked


def _not_a_system(user: User, field: str) -> None:
    if user.role == Role.SYSTEM:
        raise InvalidInput(ErrorCode.SYSTEM_ACCOUNT, SYSTEM_ACCOUNT, field)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(ErrorCode.WEAK_PASSWORD, " ".join(error.messages), "password") from None


@audit.atomic()
def create_user(
    *,
    username: str,
    role: str,
    password: str,
    by: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    via: audit.Via = audit.Via.WEB,
    check_password_strength: bool = True,
    is_demo: bool = False,
) -> User:
    """Create an account with a role. Usernames are unique, case-insensitively.

    The password is checked before the username is looked up: whether a username is taken
    is answered only with a password that would be accepted (an invitation link is not a
    free way to learn who has an account: H81).
    """
    username = username.strip()
    problems = []
    if not username:
        problems.append(Problem(ErrorCode.REQUIRED, "username is required", "username"))
    elif len(username) > USERNAME_MAX:
        problems.append(Problem(ErrorCode.TOO_LONG, "username is too long", "username"))
    if problems:
        raise InvalidInput.of(problems)
    checked_role = _check_role(role)
    user = User(
        username=username,
        role=checked_role.value,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        is_demo=is_demo,
    )
    if check_password_strength:
        _check_password(password, user)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            ErrorCode.DUPLICATE_USERNAME, f"the username {username!r} is taken", "username"
        )
    user.set_password(password)
    user.save()
    audit.record(
        actor=by,
        action="user.create",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Account {user.username} created with role {checked_role.label}",
        via=via,
    )
    return user


@audit.atomic()
def update_user(
    *,
    user: User,
    by: User,
    role: str,
    is_active: bool,
    first_name: str,
    last_name: str,
    email: str,
    via: audit.Via = audit.Via.WEB,
) -> User:
    """Change a user's role, names, email or whether they may sign in."""
    _not_a_system(user, "role")
    checked_role = _check_role(role)
    if user.pk == by.pk and (not is_active or checked_role != Role(by.role)):
        raise InvalidInput(
            ErrorCode.OWN_ACCOUNT, "administrators cannot demote or deactivate themselves", "role"
        )
    before = {"role": user.role, "is_active": user.is_active}
    user.role = checked_role.value
    user.is_active = is_active
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.email = email.strip()
    user.save()
    audit.record(
        actor=by,
        action="user.update",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Account {user.username} updated",
        via=via,
        details={"before": before, "after": {"role": user.role, "is_active": user.is_active}},
    )
    if not is_active:
        tokens.revoke_all(user=user, by=by, reason="account deactivated", via=via)
    return user


@audit.atomic()
def set_password(*, user: User, password: str, by: User, via: audit.Via = audit.Via.WEB) -> None:
    """Set a new password (strength-checked) and revoke the user's API tokens."""
    _not_a_system(user, "password")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=by,
        action="user.password",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Password set for {user.username}",
        via=via,
    )
    tokens.revoke_all(user=user, by=by, reason="password changed", via=via)


def issue_token(*, username: str, password: str, request: HttpRequest, otp: str = "") -> str:
    """Exchange a username, password and (when needed) code for a bearer token, shown once.

    ``request`` is the HTTP request the credentials came in: the lock-out is kept per username
    and its address, and the audit records where the attempt came from.
    """
    user = signin.sign_in_for_token(request, username=username, password=password, otp_code=otp)
    return tokens.create_token(user=user)


__all__ = [
    "TOKEN_PREFIX",
    "create_user",
    "issue_token",
    "revoke_token",
    "set_password",
    "update_user",
    "user_for_token",
]
