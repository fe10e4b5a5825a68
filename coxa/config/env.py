"""Typed, fail-loud readers for configuration from the environment.

Every variable Coxa reads is named ``COXA_*`` and listed in ``.env.example``; a test keeps
the two in step. A value that cannot be read as its type stops start-up with a message that
names the variable, rather than being silently replaced by a default.
"""

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_required(name: str, why: str) -> str:
    """Return the variable, or stop with a message saying why it is needed."""
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean written as true/false, yes/no, on/off or 1/0."""
    raw = env_str(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    """Read a whole number, optionally with a lower bound."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Read a comma-separated list; blank items are dropped."""
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_dates(name: str, *, default: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
    """Read a comma-separated list of days written as YYYY-MM-DD ("2026-12-25,2026-12-28")."""
    raw = env_str(name)
    if raw is None:
        return default
    days = []
    for item in env_list(name, default=[]):
        try:
            days.append(dt.date.fromisoformat(item))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not a day written as YYYY-MM-DD (2026-12-25)"
            ) from None
    return tuple(sorted(set(days)))


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def env_weekdays(name: str, *, default: tuple[int, ...]) -> tuple[int, ...]:
    """Read days of the week by name ("Monday,Tuesday" or "mon,tue"), as 0 (Monday) to 6."""
    raw = env_str(name)
    if raw is None:
        return default
    days = set()
    for item in env_list(name, default=[]):
        word = item.lower()
        found = [
            i
            for i, day in enumerate(_WEEKDAYS)
            if len(word) >= 3 and day.startswith(word)  # noqa: PLR2004
        ]
        if len(found) != 1:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not a day of the week (Monday, Tuesday, ... or Mon, Tue)"
            )
        days.add(found[0])
    if not days:
        raise ImproperlyConfigured(f"{name}: name at least one working day of the week")
    return tuple(sorted(days))


def env_secret(name: str) -> str | None:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    direct = env_str(name)
    file_name = env_str(f"{name}_FILE")
    if direct is not None and file_name is not None:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if file_name is not None:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {error}") from None
    return direct


def env_key(name: str, parse: Callable[[str], bytes], *, make: str) -> bytes | None:
    """Read a key from ``NAME`` or ``NAME_FILE`` with ``parse``; None when it is unset."""
    raw = env_secret(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a key: {error}; make one with {make}") from None


def env_token(name: str, *, minimum: int) -> str | None:
    """Read a bearer token from ``NAME`` or ``NAME_FILE``: None when unset.

    At least ``minimum`` characters, printable and without spaces (it travels in a header).
    """
    token = env_secret(name)
    if token is None:
        return None
    if len(token) < minimum or not all("!" <= c <= "~" for c in token):
        raise ImproperlyConfigured(
            f"{name} must be at least {minimum} characters, letters, digits and punctuation "
            "without spaces; make one with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token
