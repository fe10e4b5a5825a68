"""The `coxa` command: Django's manage.py with Coxa's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with Coxa's settings module."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(["coxa", *(sys.argv[1:] if argv is None else argv)])
