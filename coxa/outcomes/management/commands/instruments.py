"""`coxa instruments load FILE --by USERNAME`: load a service's licensed questionnaire wording.

The file (YAML or JSON; format in docs/outcomes/licensed-instruments.md) gives one licensed
instrument's item text and answer labels and, for EQ-5D-5L, its value set. It is refused,
naming each problem, unless it matches the structure Coxa ships. `coxa instruments list`
shows what is loaded.
"""

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.models import User
from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.outcomes.models import LicensedInstrument
from coxa.outcomes.services.licensed import file_hash, load_licensed


class Command(BaseCommand):
    help = "Load a licensed questionnaire's wording (and value set) from the service's file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="check a licensed wording file and load it")
        load.add_argument("file", type=Path)
        load.add_argument("--by", required=True, help="the username of who loads it")
        sub.add_parser("list", help="what is loaded, when, by whom, with the file's hash")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        path: Path = options["file"]
        try:
            content = path.read_bytes()
            data = yaml.safe_load(content)  # JSON is YAML too
        except (OSError, yaml.YAMLError) as error:
            raise CommandError(f"{path}: cannot read it: {error}") from None
        user = User.objects.filter(username=options["by"]).first()
        if user is None:
            raise CommandError(f"no user {options['by']!r}")
        try:
            row = load_licensed(data=data, file_sha256=file_hash(content), by=user, via=Via.CLI)
        except CoxaError as error:
            lines = "\n".join(f"  - {p.message}" for p in error.problems)
            raise CommandError(f"{path} was not loaded:\n{lines}") from None
        title = get_catalogue().instruments[row.instrument].title
        self.stdout.write(
            f"Loaded the licensed wording of the {title} (sha256 {row.file_sha256[:12]})."
        )

    def _list(self) -> None:
        rows = LicensedInstrument.objects.select_related("loaded_by")
        seen: set[str] = set()
        for row in rows:
            if row.instrument in seen:
                continue
            seen.add(row.instrument)
            self.stdout.write(
                f"{row.instrument}: loaded {row.loaded_at:%-d %b %Y %H:%M} by "
                f"{row.loaded_by.username}, sha256 {row.file_sha256}"
            )
        if not seen:
            self.stdout.write("No licensed wording is loaded.")
