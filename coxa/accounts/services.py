"""The write path for accounts: users, roles, passwords and API tokens."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from coxa.accounts.domain import Role
from coxa.accounts.models import ApiToken, User
from coxa.core import audit, clock
from coxa.core.errors import Conflict, InvalidInput, NotAuthenticated, Problem

TOKEN_PREFIX = "coxa_"  # noqa: S105 - a public prefix, not a secret
USERNAME_MAX = 150
# Last-used times are a hint for administrators, so write them at most once a minute.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput("unknown-role", f"role must be one of: {allowed}", "role") from None


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput("weak-password", " ".join(error.messages), "password") from None


@transaction.atomic
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
) -> User:
    """Create an account with a role. Usernames are unique, case-insensitively."""
    username = username.strip()
    problems = []
    if not username:
        problems.append(Problem("required", "username is required", "username"))
    elif len(username) > USERNAME_MAX:
        problems.append(Problem("too-long", "username is too long", "username"))
    if problems:
        raise InvalidInput.of(problems)
    checked_role = _check_role(role)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("duplicate-username", f"the username {username!r} is taken", "username")
    user = User(
        username=username,
        role=checked_role.value,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
    )
    if check_password_strength:
        _check_password(password, user)
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


@transaction.atomic
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
    checked_role = _check_role(role)
    if user.pk == by.pk and (not is_active or checked_role != Role(by.role)):
        raise InvalidInput(
            "own-account", "administrators cannot demote or deactivate themselves", "role"
        )
    before = {"role": user.role, "is_active": user.is_active}
    user.role = checked_role.value
    user.is_active = is_active
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.email = email.strip()
    user.save()
    if not is_active:
        ApiToken.objects.filter(user=user).delete()
    audit.record(
        actor=by,
        action="user.update",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Account {user.username} updated",
        via=via,
        details={"before": before, "after": {"role": user.role, "is_active": user.is_active}},
    )
    return user


@transaction.atomic
def set_password(*, user: User, password: str, by: User, via: audit.Via = audit.Via.WEB) -> None:
    """Set a new password (strength-checked) and revoke the user's API tokens."""
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user).delete()
    audit.record(
        actor=by,
        action="user.password",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Password set for {user.username}",
        via=via,
    )


@transaction.atomic
def issue_token(*, username: str, password: str) -> str:
    """Exchange a username and password for a bearer token; return the token once."""
    user = authenticate(username=username, password=password)
    if not isinstance(user, User):
        raise NotAuthenticated("invalid-credentials", "username or password is wrong", "password")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = clock.now()
    ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(token),
        created_at=issued,
        expires_at=issued + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit.record(
        actor=user,
        action="token.issue",
        object_type="user",
        object_id=str(user.pk),
        summary=f"API token issued to {user.username}",
        via=audit.Via.API,
    )
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user a live token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(token), expires_at__gt=clock.now(), user__is_active=True)
        .first()
    )
    if found is None:
        return None
    moment = clock.now()
    if found.last_used_at is None or moment - found.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=moment)
    return found.user
