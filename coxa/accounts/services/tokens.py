"""API bearer tokens: issued to a signed-in user, capped per user, revocable, stored hashed.

Only a token's SHA-256 is stored; the token itself is shown once, at issue. A user holds at
most ``settings.API_TOKENS_PER_USER`` live tokens: issuing one more revokes their oldest.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings

from coxa.accounts.domain import Role
from coxa.accounts.models import ApiToken, User
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, Forbidden

TOKEN_PREFIX = "coxa_"  # noqa: S105 - a public prefix, not a secret
# Last-used times are a hint for administrators, so write them at most once a minute.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@audit.atomic()
def create_token(*, user: User) -> str:
    """Issue a token to a user already signed in; return the token, once.

    Never to a connected system: it has no password to sign in with, and its access tokens
    (``smart.issue_token``) carry scopes and open no page and no JSON-API operation.
    """
    if user.role == Role.SYSTEM:
        raise Forbidden(ErrorCode.SYSTEM_ACCOUNT, "a connected system gets tokens at /oauth/token")
    # Lock the user's row so that two issues at once cannot both slip under the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    issued = clock.now()
    ApiToken.objects.filter(user=user, expires_at__lte=issued).delete()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=hash_token(token),
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
    cap = settings.API_TOKENS_PER_USER
    surplus = list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")[cap:])
    if surplus:
        revoke(
            tokens=surplus,
            by=user,
            reason=f"more than {cap} tokens: the oldest is revoked",
            via=audit.Via.API,
        )
    return token


def revoke(*, tokens: list[ApiToken], by: User, reason: str, via: audit.Via) -> int:
    """Delete tokens (their hashes) and record one ``token.revoke`` per user."""
    if not tokens:
        return 0
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    for owner_id in sorted({t.user_id for t in tokens}):
        count = sum(1 for t in tokens if t.user_id == owner_id)
        audit.record(
            actor=by,
            action="token.revoke",
            object_type="user",
            object_id=str(owner_id),
            summary=f"{count} API token{'s' if count > 1 else ''} revoked: {reason}",
            reason=reason,
            via=via,
            details={"tokens": count},
        )
    return len(tokens)


@audit.atomic()
def revoke_token(*, token: str, by: User) -> bool:
    """Revoke the one token presented (its holder signs it out). False if it is not live."""
    found = list(ApiToken.objects.filter(key_hash=hash_token(token), user=by))
    return revoke(tokens=found, by=by, reason="revoked by its holder", via=audit.Via.API) > 0


@audit.atomic()
def revoke_all(*, user: User, by: User, reason: str, via: audit.Via) -> int:
    """Revoke every token a user holds, with one ``token.revoke`` record.

    Sign-out, a new second factor, a new password and deactivation all come here.
    """
    return revoke(tokens=list(ApiToken.objects.filter(user=user)), by=by, reason=reason, via=via)


def user_for_token(token: str) -> User | None:
    """Return the active user a live token belongs to, or None.

    A demo account's token works only while COXA_DEBUG is on, like its password.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), expires_at__gt=clock.now(), user__is_active=True)
        .first()
    )
    if found is None or (found.user.is_demo and not settings.DEBUG):
        return None
    moment = clock.now()
    if found.last_used_at is None or moment - found.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=moment)
    return found.user
