"""App configuration for the shared kernel."""

import logging
from pathlib import Path

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "coxa.core"
    label = "core"
    verbose_name = "Coxa core"

    def ready(self) -> None:
        from django.core.checks import Tags, register  # noqa: PLC0415

        from coxa.core.audit_guard import register_sql_functions  # noqa: PLC0415
        from coxa.core.checks import (  # noqa: PLC0415
            audit_head_is_sealed_under_the_key,
            audit_key_is_its_own,
            cache_is_shared,
        )
        from coxa.core.contacts import contacts_are_real  # noqa: PLC0415
        from coxa.core.files import make_folders  # noqa: PLC0415

        # The folders Coxa writes, made at start rather than when settings are imported.
        for folder, error in make_folders(_writable_folders()):
            logging.getLogger(__name__).warning("could not make %s: %s", folder, error)

        register(audit_key_is_its_own, Tags.security, deploy=True)
        register(audit_head_is_sealed_under_the_key, Tags.security)
        register(contacts_are_real)
        register(cache_is_shared, Tags.caches, deploy=True)

        # Every connection Coxa opens answers the audit's DELETE triggers (audit_guard).
        connection_created.connect(register_sql_functions, dispatch_uid="coxa-audit-sql")


def _writable_folders() -> list[Path]:
    """The folders under ``COXA_VAR_DIR`` that must exist before Coxa runs.

    The SQLite database's folder (for a database in a file) and the static files' root.
    """
    from django.conf import settings  # noqa: PLC0415

    folders = [Path(settings.STATIC_ROOT)]
    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    if database["ENGINE"] == "django.db.backends.sqlite3" and name not in (":memory:", ""):
        folders.append(Path(name).parent)
    return folders
