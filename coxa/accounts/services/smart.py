"""SMART Backend Services and signed-JWT callers of CDS Hooks: which system calls, and its scopes.

- ``issue_token``: /oauth/token's work (SMART App Launch 2.2, Backend Services). A registered
  system sends ``grant_type=client_credentials`` and a client assertion: a JWT it signed
  (RS384 or ES384) with a key of its set (``kid``), ``iss`` = ``sub`` = its client id, ``aud``
  = the token endpoint's absolute URL, ``exp`` no more than five minutes ahead, and a ``jti``
  it has never sent before. It gets an access token valid five minutes for the scopes it
  asked for, as far as it is registered for them. Errors are OAuth 2.0's (``Refused``).
- ``caller_for``: for a resource server (the FHIR API), who an ``Authorization`` header is:
  a system with its granted scopes, or a person's Coxa token (scopes None: the role decides).
- ``cds_caller``: who calls the CDS service: a Coxa token's user, or the system whose EHR
  signed the JWT (CDS Hooks 2.0, "Trusting CDS Clients": a trusted ``iss``, the key by
  ``kid``, ``aud`` the service's URL, ``exp``, ``iat``, a ``jti`` never used before).

``user_for_token``, the JSON API's and the pages' way in, never accepts a system's token:
those live in ``SystemToken``, apart from ``ApiToken`` (ADR 0033).
"""

import datetime as dt
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from coxa.accounts.domain import Scope, grant, scope_text, scopes_of
from coxa.accounts.models import SystemClient, SystemToken, UsedJwt, User
from coxa.accounts.services import signin, systems
from coxa.accounts.services.tokens import TOKEN_PREFIX, hash_token, user_for_token
from coxa.core import audit, clock

GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = tuple(systems.KEY_TYPES)  # RS384, ES384: never "none", never a shared secret
TOKEN_SECONDS = 300  # SMART: expires_in SHOULD NOT exceed 300
JWT_MAX_SECONDS = 300  # an assertion's exp: no more than five minutes ahead (CDS JWTs too)
LEEWAY_SECONDS = 10  # clocks a little apart
SYSTEM_TOKEN_PREFIX = "coxasys_"  # noqa: S105 - a public prefix; never "coxa_" (a person's)
# The name failures at the token endpoint are counted under (signin.count_failure).
PROBE = "(system token)"
SHOWN_MAX = 80  # of a claimed client id or issuer, in a refusal's words
JTI_MAX = 255  # UsedJwt.jti


class Refused(Exception):
    """A request refused in OAuth 2.0's words (RFC 6749 section 5.2): error and description."""

    def __init__(self, error: str, description: str, status: int = 400, *, who: str = "") -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.who = who[:SHOWN_MAX]  # the client id or issuer it claimed to be

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

    @property
    def reason(self) -> str:
        who = f" ({self.who!r})" if self.who else ""
        return f"{self.error}{who}: {self.description}"


def _client_error(description: str, who: str = "") -> Refused:
    return Refused("invalid_client", description, 401, who=who)


@dataclass(frozen=True, slots=True)
class Issued:
    """An access token, shown once: its answer at the token endpoint."""

    token: str
    scopes: tuple[Scope, ...]

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.token,
            "token_type": "bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": scope_text(self.scopes),
        }


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a resource server: the account, and the scopes a system was granted.

    ``scopes`` is None for a person's Coxa token: their role decides alone. A system's
    scopes narrow what its role may do (``accounts.domain.allows``).
    """

    user: User
    scopes: tuple[Scope, ...] | None


def configuration(*, token_endpoint: str) -> dict[str, Any]:
    """The SMART configuration (/.well-known/smart-configuration) of Coxa's FHIR API."""
    return {
        "token_endpoint": token_endpoint,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "grant_types_supported": [GRANT_TYPE],
        "scopes_supported": ["system/*.rs", "system/*.read"],
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    }


# ------------------------------------------------------------------ a signed JWT
def _claims_unverified(token: str, who: str = "") -> dict[str, Any]:
    import jwt  # noqa: PLC0415 (PyJWT and cryptography: loaded by the first signed JWT read)

    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _client_error("not a signed JWT that can be read", who) from None
    return claims


def _key_for(client: SystemClient, header: Mapping[str, Any], who: str) -> Any:
    """The one key of the system's set the JWT names (kid, and a type its alg signs with)."""
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm not in ALGORITHMS:
        raise _client_error(f"sign with {' or '.join(ALGORITHMS)}, not {algorithm!r}", who)
    if not isinstance(kid, str) or not kid:
        raise _client_error("the JWT header names no kid", who)
    jku = header.get("jku")
    if jku is not None and jku != client.jwks_url:
        raise _client_error("jku is not the key set URL this system registered", who)
    kty = systems.KEY_TYPES[algorithm]

    def matching(keys: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [k for k in keys.get("keys", []) if k.get("kid") == kid and k.get("kty") == kty]

    try:
        found = matching(systems.key_set(client))
        if not found and client.jwks_url:
            found = matching(systems.key_set(client, again=True))
    except systems.KeysUnavailable as error:
        raise _client_error(f"the system's key set could not be read: {error}", who) from None
    if len(found) != 1:
        raise _client_error(f"no single {kty} key {kid[:SHOWN_MAX]!r} in the key set", who)
    import jwt  # noqa: PLC0415

    return jwt.PyJWK(found[0], algorithm=algorithm).key


def _check_times(claims: Mapping[str, Any], *, iat: bool, who: str) -> dt.datetime:
    """Until when a JWT's id is kept: refused if it expired or ends over five minutes ahead.

    Refused too if it says it was issued (or becomes valid) in the future.
    """
    now = clock.now().timestamp()

    def seconds(name: str) -> float | None:
        value = claims.get(name)
        if value is None:
            return None
        try:
            number = float(value) if isinstance(value, int | float) else math.nan
        except OverflowError:
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            raise _client_error(f"{name} must be seconds since 1970", who)
        return number

    expires = seconds("exp")
    if expires is None:
        raise _client_error("the JWT has no exp", who)
    if expires <= now - LEEWAY_SECONDS:
        raise _client_error("the JWT has expired", who)
    if expires > now + JWT_MAX_SECONDS + LEEWAY_SECONDS:
        raise _client_error("exp must be no more than five minutes ahead", who)
    issued, valid_from = seconds("iat"), seconds("nbf")
    if iat and issued is None:
        raise _client_error("the JWT has no iat", who)
    if (issued or 0) > now + LEEWAY_SECONDS or (valid_from or 0) > now + LEEWAY_SECONDS:
        raise _client_error("the JWT is dated in the future", who)
    return dt.datetime.fromtimestamp(expires + LEEWAY_SECONDS, tz=dt.UTC)


def _verified(
    token: str, client: SystemClient, *, audience: str, iat: bool, who: str
) -> tuple[str, dt.datetime]:
    """The jti of a JWT the system signed for ``audience``, and until when to keep it.

    Everything is checked but whether the jti was seen before (``_once``).
    """
    import jwt  # noqa: PLC0415

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _client_error("not a signed JWT that can be read", who) from None
    key = _key_for(client, header, who)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[header["alg"]],
            audience=audience,
            options={
                "require": ["iss", "aud", "exp", "jti"],
                "verify_exp": False,  # checked against Coxa's clock, below
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise _client_error(f"aud must be {audience}", who) from None
    except jwt.MissingRequiredClaimError as error:
        raise _client_error(f"the JWT has no {error.claim}", who) from None
    except jwt.InvalidSignatureError:
        raise _client_error("the signature does not verify with the key it names", who) from None
    except jwt.PyJWTError as error:
        raise _client_error(f"the JWT was refused: {error}", who) from None
    expires = _check_times(claims, iat=iat, who=who)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX:
        raise _client_error(f"jti must be a string of at most {JTI_MAX} characters", who)
    return jti, expires


def _once(client: SystemClient, jti: str, expires: dt.datetime, who: str) -> None:
    """Keep the JWT's id until it expires; refused if the system sent it before (a replay)."""
    UsedJwt.objects.filter(client=client, expires_at__lte=clock.now()).delete()
    try:
        with transaction.atomic():  # a savepoint around a unique insert (nothing recorded)
            UsedJwt.objects.create(client=client, jti=jti, expires_at=expires)
    except IntegrityError:
        raise _client_error("this jti was used before: sign a new JWT each time", who) from None


# ------------------------------------------------------------------ the token endpoint
def _asserting(assertion: str, client_id: str) -> SystemClient:
    claims = _claims_unverified(assertion, client_id)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise _client_error("the assertion has no iss: the system's client id", client_id)
    if client_id and client_id != issuer:
        raise _client_error("client_id is not the assertion's iss", issuer)
    client = SystemClient.objects.select_related("account").filter(client_id=issuer).first()
    if client is None:
        raise _client_error("no connected system has this client id", issuer)
    if claims.get("sub") != issuer:
        raise _client_error("sub must be the client id, as iss is", issuer)
    return client


def issue_token(form: Mapping[str, str], *, token_endpoint: str) -> Issued:
    """Check a client-credentials request and issue an access token; ``Refused`` otherwise."""
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise Refused("invalid_request", f"grant_type is required: {GRANT_TYPE}")
    if grant_type != GRANT_TYPE:
        raise Refused("unsupported_grant_type", f"grant_type must be {GRANT_TYPE}")
    assertion_type, assertion = form.get("client_assertion_type", ""), form.get("client_assertion")
    if not assertion_type or not assertion:
        raise Refused("invalid_request", "client_assertion_type and client_assertion are required")
    if assertion_type != ASSERTION_TYPE:
        raise _client_error(f"client_assertion_type must be {ASSERTION_TYPE}")
    client = _asserting(assertion, form.get("client_id", ""))
    who = client.client_id
    jti, expires = _verified(assertion, client, audience=token_endpoint, iat=False, who=who)
    if not client.active or not client.account.is_active:
        raise Refused("invalid_grant", "this system's registration was revoked", who=who)
    _once(client, jti, expires, who)
    asked = form.get("scope", "")
    granted = grant(scopes_of(asked), scopes_of(client.scopes))
    if not granted:
        raise Refused(
            "invalid_scope",
            "none of the scopes asked for is one this system is registered for "
            f"({client.scopes or 'none'}); ask for system/ scopes such as system/*.rs",
            who=who,
        )
    return _issue(client, granted, asked)


@audit.atomic()
def _issue(client: SystemClient, granted: tuple[Scope, ...], asked: str) -> Issued:
    now = clock.now()
    SystemToken.objects.filter(client=client, expires_at__lte=now).delete()
    token = SYSTEM_TOKEN_PREFIX + secrets.token_urlsafe(32)
    SystemToken.objects.create(
        client=client,
        key_hash=hash_token(token),
        scopes=scope_text(granted),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=TOKEN_SECONDS),
    )
    audit.record(
        actor=client.account,
        action="token.system-issue",
        object_type="system-client",
        object_id=client.client_id,
        summary=f"Access token issued to {client.name}: {scope_text(granted)}",
        via=audit.Via.API,
        details={"asked": asked[:500], "granted": scope_text(granted), "seconds": TOKEN_SECONDS},
    )
    return Issued(token=token, scopes=granted)


# ------------------------------------------------------------------ resource servers
def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def caller_for(header: str) -> Caller | None:
    """Who an ``Authorization`` header is: a system and its scopes, a person, or no one."""
    token = _bearer(header)
    if not token:
        return None
    if token.startswith(SYSTEM_TOKEN_PREFIX):
        found = (
            SystemToken.objects.select_related("client__account")
            .filter(
                key_hash=hash_token(token),
                expires_at__gt=clock.now(),
                client__revoked_at__isnull=True,
                client__account__is_active=True,
            )
            .first()
        )
        return None if found is None else Caller(found.client.account, scopes_of(found.scopes))
    user = user_for_token(token)
    return None if user is None else Caller(user, None)


def _cds_system(token: str, audience: str) -> User:
    issuer = _claims_unverified(token).get("iss")
    who = issuer if isinstance(issuer, str) else ""
    client = (
        SystemClient.objects.select_related("account")
        .filter(cds_issuer=who, revoked_at__isnull=True, account__is_active=True)
        .first()
        if who
        else None
    )
    if client is None:
        raise _client_error("iss is not a CDS client Coxa trusts", who)
    jti, expires = _verified(token, client, audience=audience, iat=True, who=who)
    _once(client, jti, expires, who)
    return client.account


def cds_caller(request: HttpRequest) -> User | None:
    """The CDS service's caller: a Coxa token's user, or a trusted EHR's system; else None.

    A refused JWT is recorded (``access.refused``), naming the issuer it claimed and why.
    """
    token = _bearer(request.headers.get("Authorization", ""))
    if not token:
        return None
    if token.startswith(TOKEN_PREFIX):
        return user_for_token(token)
    try:
        return _cds_system(token, request.build_absolute_uri(request.path))
    except Refused as refused:
        audit.record(
            actor=None,  # no one was recognised: Coxa records the attempt
            action="access.refused",
            object_type="cds-hook",
            summary=f"A CDS Hooks call was refused: {refused.description}",
            reason=refused.reason,
            via=audit.Via.API,
            details={"ip": signin.client_address(request), "path": request.path},
        )
        return None
