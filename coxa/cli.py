"""The `coxa` command: Django's manage.py with Coxa's settings.

Commands that would erase the audit log are refused with exit code 2: `flush` and
`sqlflush` (which empty every table), and any `migrate` that would unapply a migration of
`core`, where the audit lives (`migrate core zero`, or taking an app core depends on back).
"""

import os
import secrets
import sys

REFUSED = 2
ERASING = {
    "flush": "it empties every table, the append-only audit log included",
    "sqlflush": "it prints the statements that empty every table, the audit log included",
}


# Commands that sign nothing, store nothing and serve nothing: no secret or host needed.
OFFLINE = {"evaluate", "catalogue", "permissions", "errors", "export_openapi_schema"}
# Offline commands that need neither the apps nor the database run without django.setup():
# importing every app's models, and what they import, was most of their time (issue 20).
# Their modules import only pure code (the catalogue, a domain); call_command runs them too.
WITHOUT_APPS = {"evaluate": "coxa.decisions.management.commands.evaluate"}


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with Coxa's settings module."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings")
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] in (["--version"], ["version"]):
        sys.stdout.write(f"{_version()}\n")
        return
    if arguments == ["backup", "--new-key"]:
        # Before the settings: a missing or malformed COXA_BACKUP_KEY is why one is wanted.
        from coxa.core.backup_format import new_key  # noqa: PLC0415 (pure, no Django)

        sys.stdout.write(f"{new_key()}\n")
        return
    if arguments[:1] and arguments[0] in OFFLINE:
        _throwaway_settings()
    from django.core.exceptions import ImproperlyConfigured  # noqa: PLC0415

    try:
        refusal = _refusal(arguments)
        if refusal is not None:
            sys.stderr.write(f"coxa {arguments[0]} is refused: {refusal}.\n")
            raise SystemExit(REFUSED)
        if arguments[0:1] and arguments[0] in WITHOUT_APPS:
            _without_apps(arguments)
            return
        from django.core.management import execute_from_command_line  # noqa: PLC0415

        execute_from_command_line(["coxa", *arguments])
    except ImproperlyConfigured as error:  # a missing or wrong setting: one line, no trace
        sys.stderr.write(f"coxa: {error}\n")
        raise SystemExit(REFUSED) from None


def _without_apps(arguments: list[str]) -> None:
    """Run one of WITHOUT_APPS as Django would, less the app registry and the checks."""
    from importlib import import_module  # noqa: PLC0415

    from coxa.core.loading import start_up  # noqa: PLC0415

    with start_up():  # all of it: a moment's work after loading, then the process ends
        command = import_module(WITHOUT_APPS[arguments[0]]).Command()
        command.run_from_argv(["coxa", *arguments])


def _throwaway_settings() -> None:
    """A throwaway key and host where none is set: these commands sign, store, serve nothing."""
    if not any(os.environ.get(name) for name in ("COXA_SECRET_KEY", "COXA_SECRET_KEY_FILE")):
        os.environ["COXA_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ.setdefault("COXA_ALLOWED_HOSTS", "localhost")


def _version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    import django  # noqa: PLC0415

    return f"coxa {version('coxa')} (Django {django.get_version()})"


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
