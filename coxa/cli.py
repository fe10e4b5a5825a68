"""The `coxa` command: Django's manage.py with Coxa's settings.

Commands that would erase the audit log are refused with exit code 2: `flush` and
`sqlflush` (which empty every table), and any `migrate` that would unapply a migration of
`core`, where the audit lives (`migrate core zero`, or taking an app core depends on back).
"""

import os
import sys

REFUSED = 2
ERASING = {
    "flush": "it empties every table, the append-only audit log included",
    "sqlflush": "it prints the statements that empty every table, the audit log included",
}


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with Coxa's settings module."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings")
    arguments = sys.argv[1:] if argv is None else list(argv)
    refusal = _refusal(arguments)
    if refusal is not None:
        sys.stderr.write(f"coxa {arguments[0]} is refused: {refusal}.\n")
        raise SystemExit(REFUSED)
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(["coxa", *arguments])


def _refusal(arguments: list[str]) -> str | None:
    """Say why these arguments would erase the audit, or None if they would not."""
    if not arguments:
        return None
    if arguments[0] in ERASING:
        return ERASING[arguments[0]]
    if arguments[0] != "migrate":
        return None
    return _unapplies_core(arguments[1:])


def _unapplies_core(arguments: list[str]) -> str | None:
    import django  # noqa: PLC0415
    from django.core.management.base import CommandError, handle_default_options  # noqa: PLC0415
    from django.core.management.commands.migrate import Command  # noqa: PLC0415

    try:
        options = Command().create_parser("coxa", "migrate").parse_args(arguments)
    except CommandError:
        return None  # Django reports the mistake itself
    if options.migration_name is None:
        return None  # forward only
    handle_default_options(options)
    django.setup()
    from django.db import connections  # noqa: PLC0415

    from coxa.core.audit_guard import unapplied_core_migrations  # noqa: PLC0415

    undone = unapplied_core_migrations(
        connections[options.database], options.app_label, options.migration_name
    )
    if not undone:
        return None
    return f"it would unapply {', '.join(undone)}, stripping or dropping the append-only audit log"
