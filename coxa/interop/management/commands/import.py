"""`coxa import fhir FILE... --by USERNAME`: patients and their records from FHIR.

Each FILE is a Bundle (its entries' resources), one resource, or NDJSON (a bulk export's
files). Patients are matched by NHS number or hospital number, or registered; open hips are
opened; measurements, allergies and medicines recorded (``interop.services.imports``), all
or nothing for each patient. Every resource is reported: taken, skipped and why, or refused
and why. The command fails (exit 1) when any was refused; the other patients are kept.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.models import User
from coxa.interop.domain.reading import entries_of
from coxa.interop.services.imports import import_resources


def resources_in(path: Path) -> Iterator[dict[str, Any]]:
    """The resources a file holds; a file that is not FHIR JSON is refused, naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot be read ({error})") from None
    try:
        if path.suffix == ".ndjson":
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            documents = [json.loads(text)]
    except ValueError as error:
        raise CommandError(f"{path}: not JSON ({error})") from None
    for document in documents:
        if not isinstance(document, dict) or "resourceType" not in document:
            raise CommandError(f"{path}: not a FHIR resource or Bundle")
        if document["resourceType"] == "Bundle":
            yield from entries_of(document)
        else:
            yield document


class Command(BaseCommand):
    help = "Import patients, open hips and clinic records from FHIR (Bundle, resource or NDJSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["fhir"], help="what the files hold")
        parser.add_argument("files", nargs="+", type=Path, help="Bundles, resources or NDJSON")
        parser.add_argument("--by", required=True, help="the username of who imports them")

    def handle(self, *args: Any, **options: Any) -> None:
        by = User.objects.filter(username=options["by"], is_active=True).first()
        if by is None:
            raise CommandError(f"no active user {options['by']!r}")
        resources = [r for path in options["files"] for r in resources_in(path)]
        outcomes = import_resources(resources, by=by)
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.result] = counts.get(outcome.result, 0) + 1
            reason = f": {outcome.message}" if outcome.message else ""
            self.stdout.write(f"{outcome.type}/{outcome.id} {outcome.result}{reason}")
        summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
        self.stdout.write(f"{len(resources)} resources: {summary or 'none'}")
        if counts.get("refused"):
            raise CommandError(
                f"{counts['refused']} resource(s) refused; nothing of their patients kept"
            )
