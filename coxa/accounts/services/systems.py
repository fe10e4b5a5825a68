"""Connected systems (ADR 0033): their registration, their keys, their scopes, their revocation.

A system is registered with `coxa systems add`: a name, its public keys (a JWK Set held
here, or the URL it publishes them at), the scopes it may be granted, and, for an EHR that
calls CDS Hooks, the ``iss`` its JWTs carry. It gets a client id and a service account of
the role "connected-system", which has no password and signs in only with its key.

Keys (SMART App Launch 2.2, "Client authentication: asymmetric"): each JWK has ``kty`` and
``kid``, public members only (a private member is refused, never stored), RSA of 2048 bits
or more for RS384, or EC on P-384 for ES384. A key set URL is fetched with a short timeout
and cached no longer than its Cache-Control allows.
"""

import hashlib
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache

from coxa.accounts.domain import Role, registration_problem, scope_text, scopes_of
from coxa.accounts.models import SystemClient, SystemToken, User
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem

KEY_TYPES = {"RS384": "RSA", "ES384": "EC"}  # the algorithms Coxa verifies, by key type
MAX_KEYS = 10
MIN_RSA_BITS = 2048
# Members only a private key has (RFC 7518 section 6): d, p, q, dp, dq, qi, oth; k is a
# shared secret (kty "oct"), never a system's public key.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
FETCH_TIMEOUT_SECONDS = 5
FETCH_MAX_BYTES = 64 * 1024
CACHE_SECONDS = 300  # a key set whose answer says nothing of caching
CACHE_MAX_SECONDS = 3600
REFETCH_AFTER_SECONDS = 60  # an unknown kid fetches the set again, at most once a minute
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)")
NAME_MAX = 200
ISSUER_MAX = 500


class KeysUnavailable(Exception):
    """A system's key set URL could not be read, or did not hold public keys."""


# ------------------------------------------------------------------ checks
def _key_problem(key: Any) -> str | None:  # noqa: PLR0911 - one answer per way a key is wrong
    """Why a JWK cannot be a system's signing key, or None."""
    if not isinstance(key, dict):
        return "a key must be a JSON object"
    private = [m for m in PRIVATE_MEMBERS if m in key]
    if private:
        return (
            f"it holds a private key's member ({', '.join(private)}): register the public keys "
            "only, and keep the private key with the system"
        )
    kty = key.get("kty")
    if kty not in KEY_TYPES.values():
        return "kty must be RSA or EC (an asymmetric key)"
    if not isinstance(key.get("kid"), str) or not key["kid"].strip():
        return "kid is required: the JWT header names its key by it"
    algorithm = "RS384" if kty == "RSA" else "ES384"
    if key.get("alg", algorithm) != algorithm:
        return f"alg must be {algorithm} for a {kty} key"
    if key.get("use", "sig") != "sig":
        return "use must be sig"
    if kty == "EC" and key.get("crv") != "P-384":
        return "an EC key must be on the curve P-384 (ES384)"
    import jwt  # noqa: PLC0415 (PyJWT and cryptography: loaded by the first key read)

    try:
        loaded = jwt.PyJWK(key, algorithm=algorithm).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return "not a key that can be read (an RSA key needs n and e; an EC key x and y)"
    if kty == "RSA" and loaded.key_size < MIN_RSA_BITS:
        return f"an RSA key must have at least {MIN_RSA_BITS} bits"
    return None


def check_key_set(jwks: Any, field: str = "jwks") -> dict[str, Any]:
    """A JWK Set of public signing keys, or InvalidInput naming the key and what is wrong."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, 'a JWK Set is a JSON object: {"keys": [one or more]}', field
        )
    if len(keys) > MAX_KEYS:
        raise InvalidInput(ErrorCode.INVALID_VALUE, f"at most {MAX_KEYS} keys", field)
    problems = [
        Problem(ErrorCode.INVALID_VALUE, f"key {n}: {problem}", f"{field}.keys.{n - 1}")
        for n, key in enumerate(keys, start=1)
        if (problem := _key_problem(key)) is not None
    ]
    kids = [key["kid"] for key in keys if isinstance(key, dict) and "kid" in key]
    if not problems and len(set(kids)) != len(kids):
        problems.append(Problem(ErrorCode.INVALID_VALUE, "each kid must be unique", field))
    if problems:
        raise InvalidInput.of(problems)
    return {"keys": [dict(key) for key in keys]}


def check_key_set_url(url: str) -> str:
    """A key set URL: https (SMART requires TLS), or http to this host (a local proxy)."""
    url = url.strip()
    parts = urlsplit(url)
    secure = parts.scheme == "https" and bool(parts.hostname)
    if not secure and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, "the key set URL must be https:// (TLS)", "jwks_url"
        )
    if len(url) > SystemClient._meta.get_field("jwks_url").max_length:  # type: ignore[operator]
        raise InvalidInput(ErrorCode.TOO_LONG, "the key set URL is too long", "jwks_url")
    return url


def check_scopes(scopes: Sequence[str]) -> str:
    """The scopes a system may be granted, as stored; InvalidInput naming each wrong one."""
    words = [word for text in scopes for word in text.split()]
    problems = [
        Problem(ErrorCode.INVALID_VALUE, problem, "scopes")
        for word in words
        if (problem := registration_problem(word)) is not None
    ]
    if problems:
        raise InvalidInput.of(problems)
    return scope_text(dict.fromkeys(scopes_of(" ".join(words))))


def _check_issuer(issuer: str) -> str | None:
    issuer = issuer.strip()
    if not issuer:
        return None
    if len(issuer) > ISSUER_MAX or any(c.isspace() for c in issuer):
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, "the CDS issuer is the EHR's iss: one URI", "cds_issuer"
        )
    if SystemClient.objects.filter(cds_issuer=issuer).exists():
        raise Conflict(
            ErrorCode.DUPLICATE_IDENTIFIER,
            "another connected system is registered with this CDS issuer",
            "cds_issuer",
        )
    return issuer


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(ErrorCode.REQUIRED, "a connected system needs a name", "name")
    if len(name) > NAME_MAX:
        raise InvalidInput(ErrorCode.TOO_LONG, f"at most {NAME_MAX} characters", "name")
    return name


# ------------------------------------------------------------------ writes
@audit.atomic()
def register_system(
    *,
    name: str,
    jwks: Any = None,
    jwks_url: str = "",
    scopes: Sequence[str] = (),
    cds_issuer: str = "",
    by: User | None = None,
    via: audit.Via = audit.Via.CLI,
) -> SystemClient:
    """Register a connected system and its service account; its client id is on the record."""
    name = _check_name(name)
    if (jwks is None) == (not jwks_url.strip()):
        raise InvalidInput(
            ErrorCode.REQUIRED, "give the system's public keys: a JWK Set, or its URL", "jwks"
        )
    keys = check_key_set(jwks) if jwks is not None else {}
    url = check_key_set_url(jwks_url) if jwks_url.strip() else ""
    registered = check_scopes(scopes)
    issuer = _check_issuer(cds_issuer)
    client_id = str(uuid.uuid4())
    account = User(username=f"system-{client_id}", role=Role.SYSTEM.value, first_name=name[:150])
    account.set_unusable_password()
    account.save()
    client = SystemClient.objects.create(
        client_id=client_id,
        name=name,
        account=account,
        jwks=keys,
        jwks_url=url,
        scopes=registered,
        cds_issuer=issuer,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        action="user.create",  # its account; the client id is the record's object
        object_type="system-client",
        object_id=client_id,
        summary=f"Registered {name} as a {Role.SYSTEM.label.lower()}",
        via=via,
        details={
            "scopes": registered,
            "keys": url or [k["kid"] for k in keys["keys"]],
            "cds_issuer": issuer or "",
        },
    )
    return client


def _locked(client_id: str) -> SystemClient:
    client = SystemClient.objects.select_for_update().filter(client_id=client_id).first()
    if client is None:
        raise NotFound(ErrorCode.NOT_FOUND, f"no connected system {client_id!r}", "client_id")
    return client


@audit.atomic()
def set_scopes(
    *, client_id: str, scopes: Sequence[str], by: User | None = None, via: audit.Via = audit.Via.CLI
) -> SystemClient:
    """Replace the scopes a system may be granted; its live tokens end (a narrowing holds now)."""
    client = _locked(client_id)
    before, client.scopes = client.scopes, check_scopes(scopes)
    client.save(update_fields=["scopes"])
    ended, _ = SystemToken.objects.filter(client=client).delete()
    audit.record(
        actor=by,
        action="user.update",
        object_type="system-client",
        object_id=client.client_id,
        summary=f"Scopes of {client.name}, a connected system: {client.scopes or 'none'}",
        via=via,
        details={"before": before, "after": client.scopes, "tokens_ended": ended},
    )
    return client


@audit.atomic()
def revoke_system(
    *, client_id: str, reason: str, by: User | None = None, via: audit.Via = audit.Via.CLI
) -> SystemClient:
    """Revoke a system: its tokens end, its account is closed, its keys are trusted no more."""
    client = _locked(client_id)
    if not client.active:
        raise Conflict(ErrorCode.NO_CHANGE, f"{client.name} was revoked already", "client_id")
    if not reason.strip():
        raise InvalidInput(ErrorCode.REASON_REQUIRED, "say why the system is revoked", "reason")
    client.revoked_at = clock.now()
    client.save(update_fields=["revoked_at"])
    User.objects.filter(pk=client.account_id).update(is_active=False)
    ended, _ = SystemToken.objects.filter(client=client).delete()
    audit.record(
        actor=by,
        action="user.update",
        object_type="system-client",
        object_id=client.client_id,
        summary=f"Revoked {client.name}, a connected system: its tokens ended",
        reason=reason.strip(),
        via=via,
        details={"tokens_ended": ended},
    )
    return client


# ------------------------------------------------------------------ its keys
def _max_age(cache_control: str) -> int:
    """Seconds a key set may be kept, by its Cache-Control (never longer than it says)."""
    said = cache_control.lower()
    if "no-store" in said or "no-cache" in said:
        return 0
    found = _MAX_AGE.search(said)
    return min(int(found.group(1)), CACHE_MAX_SECONDS) if found else CACHE_SECONDS


def _fetch(url: str) -> tuple[dict[str, Any], int]:
    asked = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        # https, or http to this host: checked when it was registered
        with urllib.request.urlopen(asked, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
            body = answer.read(FETCH_MAX_BYTES + 1)
            cache_control = answer.headers.get("Cache-Control", "")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise KeysUnavailable(f"could not fetch it ({error})") from None
    if len(body) > FETCH_MAX_BYTES:
        raise KeysUnavailable(f"it is larger than {FETCH_MAX_BYTES // 1024} KB")
    try:
        keys = check_key_set(json.loads(body.decode("utf-8")))
    except (ValueError, UnicodeDecodeError):
        raise KeysUnavailable("it is not a JSON Web Key Set") from None
    except InvalidInput as error:
        raise KeysUnavailable(error.message) from None
    return keys, _max_age(cache_control)


def key_set(client: SystemClient, *, again: bool = False) -> dict[str, Any]:
    """The system's public keys: held here, or from its URL (cached as its answer allows).

    ``again`` fetches anew (a kid not in the cached set: the system may have rotated its
    keys), unless the cached set is younger than a minute.
    """
    if not client.jwks_url:
        held: dict[str, Any] = client.jwks
        return held
    digest = hashlib.sha256(client.jwks_url.encode()).hexdigest()[:16]
    key = f"coxa:systems:jwks:{client.client_id}:{digest}"
    cached = cache.get(key)
    now = clock.now().timestamp()
    if cached is not None and not (again and now - cached["at"] > REFETCH_AFTER_SECONDS):
        return dict(cached["keys"])
    keys, seconds = _fetch(client.jwks_url)
    if seconds:
        cache.set(key, {"keys": keys, "at": now}, seconds)
    return keys
