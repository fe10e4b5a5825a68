"""`coxa catalogue validate | show CODE | schema`: check, read and describe the catalogue."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.catalogue.loader import CatalogueError, load_catalogue, packaged_data
from coxa.catalogue.schema import CatalogueFile, Procedure
from coxa.catalogue.schema_complications import ComplicationsFile
from coxa.catalogue.schema_endpoints import EndpointsFile
from coxa.catalogue.schema_instruments import InstrumentsFile


def catalogue_json_schema() -> dict[str, Any]:
    """The JSON Schema of each kind of file, for editors and reviewers (docs/catalogue/)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Coxa catalogue files",
        "description": "catalogue.yaml, instruments.yaml, reviews.yaml, complications.yaml, "
        "endpoints.yaml and procedures/*.yaml under coxa/catalogue/data/.",
        "$defs": {
            "catalogue": CatalogueFile.model_json_schema(mode="validation"),
            "procedure": Procedure.model_json_schema(mode="validation"),
            "instruments": InstrumentsFile.model_json_schema(mode="validation"),
            "complications": ComplicationsFile.model_json_schema(mode="validation"),
            "endpoints": EndpointsFile.model_json_schema(mode="validation"),
        },
    }


class Command(BaseCommand):
    help = "Validate the procedure catalogue, show one procedure, or print its JSON Schema."
    # No checks: it reads the catalogue's files, never the database, and runs offline under a
    # throwaway key (cli.OFFLINE) that a deployment check (coxa.E001) would refuse (issue 20).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check every file; list every problem")
        validate.add_argument("--path", type=Path, help="a catalogue folder (default: Coxa's)")
        show = sub.add_parser("show", help="print one procedure as JSON")
        show.add_argument("code")
        sub.add_parser("schema", help="print the JSON Schema of the catalogue files")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "schema":
            self.stdout.write(json.dumps(catalogue_json_schema(), indent=2, sort_keys=True))
            return
        root = options.get("path") or packaged_data()
        try:
            catalogue = load_catalogue(root)
        except CatalogueError as error:
            raise CommandError(str(error)) from None
        if action == "validate":
            self.stdout.write(
                f"Catalogue {catalogue.version} is valid: {len(catalogue.procedures)} procedures, "
                f"{len(catalogue.thresholds)} thresholds, {len(catalogue.sources)} sources "
                f"(sha256 {catalogue.content_hash[:12]})."
            )
            return
        procedure = catalogue.procedures.get(options["code"])
        if procedure is None:
            known = ", ".join(catalogue.procedures)
            raise CommandError(f"no procedure {options['code']!r}; the catalogue has: {known}")
        self.stdout.write(json.dumps(procedure.model_dump(mode="json"), indent=2))
