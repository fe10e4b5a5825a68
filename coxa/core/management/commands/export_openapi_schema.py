"""`coxa export_openapi_schema --api coxa.config.api.api`: the API's OpenAPI, by django-ninja.

ninja's own command, without the system checks (issue 20): it reads the API's code, never
the database they protect, and runs under a throwaway key (``cli.OFFLINE``) that the audit
chain's check would refuse. ninja is no installed app (settings.NINJA_DIR), so this is how
`coxa` finds the command at all.
"""

from ninja.management.commands.export_openapi_schema import Command as NinjaCommand


class Command(NinjaCommand):
    requires_system_checks: list[str] = []
