"""App configuration for the shared kernel."""

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
        )
        from coxa.core.contacts import contacts_are_real  # noqa: PLC0415

        register(audit_key_is_its_own, Tags.security, deploy=True)
        register(audit_head_is_sealed_under_the_key, Tags.security)
        register(contacts_are_real)

        # Every connection Coxa opens answers the audit's DELETE triggers (audit_guard).
        connection_created.connect(register_sql_functions, dispatch_uid="coxa-audit-sql")
