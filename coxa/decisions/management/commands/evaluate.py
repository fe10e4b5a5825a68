"""`coxa evaluate FILE` (or `-` for standard input): evaluate a decision document.

Prints the decision as JSON and exits 0; on invalid input prints every problem as JSON to
standard error and exits 2.
"""

import json
import sys
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import CoxaError, ErrorCode, Problem
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Evaluate a procedure for one hip from a JSON decision document (FILE, or - for stdin)."

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
        catalogue = get_catalogue()
        try:
            facts = read_document(
                data,
                procedure_codes=tuple(catalogue.procedures),
                medicine_classes=catalogue.medicine_classes(),
            )
        except CoxaError as error:
            self._fail(error.problems)
        self.stdout.write(json.dumps(evaluate(facts, catalogue).as_dict(catalogue), indent=2))
