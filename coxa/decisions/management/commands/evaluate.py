"""`coxa evaluate FILE` (or `-` for standard input): evaluate a decision document.

Prints the decision as JSON and exits 0; on invalid input prints every problem as JSON to
standard error and exits 2. It runs no system checks: it reads no database and serves
nothing, and the catalogue is checked as it loads (issue 20: well under a second).
"""

import json
import sys
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.catalogue.loader import CatalogueError, get_catalogue
from coxa.core.errors import CoxaError, ErrorCode, Problem
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Evaluate a procedure for one hip from a JSON decision document (FILE, or - for stdin)."
    # No checks: they would import every page (the URL map) and read the database's audit
    # chain, which a throwaway key (cli.OFFLINE) cannot verify.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a JSON decision document, or - for stdin")

    def _fail(self, problems: Sequence[Problem]) -> None:
        self.stderr.write(json.dumps({"errors": [p.as_dict() for p in problems]}, indent=2))
        sys.exit(INVALID_INPUT)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()  # noqa: SIM115
        except OSError as error:
            self._fail([Problem(ErrorCode.UNREADABLE, str(error))])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self._fail([Problem(ErrorCode.INVALID_JSON, f"not JSON: {error}")])
        try:
            catalogue = get_catalogue()
        except CatalogueError as error:  # what `coxa check` would have said
            raise CommandError(str(error)) from None
        try:
            facts = read_document(
                data,
                procedure_codes=tuple(catalogue.procedures),
                medicine_classes=catalogue.medicine_classes(),
            )
        except CoxaError as error:
            self._fail(error.problems)
        self.stdout.write(json.dumps(evaluate(facts, catalogue).as_dict(catalogue), indent=2))
