"""System checks of Coxa's own settings (`coxa check`, some only with --deploy)."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from coxa.core.audit import HEAD_ID, READ_HEAD, chain_key


def audit_key_is_its_own(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain's key should not be the secret key (ADR 0011)."""
    if settings.AUDIT_CHAIN_KEY != settings.SECRET_KEY:
        return []
    return [
        Warning(
            "COXA_AUDIT_KEY is not set, so the audit chain is keyed by the secret key.",
            hint=(
                "Set COXA_AUDIT_KEY (or COXA_AUDIT_KEY_FILE) to a key of its own, kept from "
                "whoever holds the database; see docs/security.md."
            ),
            id="coxa.W001",
        )
    ]


def audit_head_is_sealed_under_the_key(
    app_configs: Any = None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The audit chain's head must verify under the key Coxa runs with (ADR 0011).

    Skipped quietly where there is nothing to check yet: no database to reach, no audit
    tables (before migrations), or no head (an empty log).
    """
    problems: list[CheckMessage] = []
    for alias in databases or (DEFAULT_DB_ALIAS,):
        connection = connections[alias]
        try:
            if "core_auditchainhead" not in connection.introspection.table_names():
                continue
            with connection.cursor() as cursor:
                cursor.execute(READ_HEAD, [HEAD_ID])
                row = cursor.fetchone()
        except DatabaseError:
            continue  # no database to reach: the check has nothing to read
        if row is None or chain_key().seals(int(row[0]), str(row[1]), str(row[2])):
            continue
        problems.append(
            Error(
                f"The audit chain (database {alias!r}) was sealed with another key: set "
                "COXA_AUDIT_KEY to the key it was made with. Until then Coxa records nothing, "
                "and every record fails `coxa audit verify`.",
                hint=(
                    "With COXA_AUDIT_KEY unset the key is COXA_SECRET_KEY; COXA_AUDIT_KEY_FILE "
                    "works too. If the key is right, the chain's head was altered: run "
                    "`coxa audit verify`."
                ),
                id="coxa.E001",
            )
        )
    return problems


def cache_is_shared(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """On PostgreSQL (web servers and workers on several hosts), the cache must be shared."""
    return cache_problems(
        settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"], str(settings.CACHES["default"]["BACKEND"])
    )


def cache_problems(engine: str, backend: str) -> list[CheckMessage]:
    if engine != "django.db.backends.postgresql" or backend.endswith("RedisCache"):
        return []
    return [
        Warning(
            "COXA_CACHE_URL is not set: each host keeps its own cache of computed results.",
            hint=(
                "Analytics figures a worker on one host computes cannot be read by a web "
                "server on another, which then says so instead of showing them. Set "
                "COXA_CACHE_URL to a Redis that every web server and worker share "
                "(docs/operations.md, Scaling out)."
            ),
            id="coxa.W003",
        )
    ]
