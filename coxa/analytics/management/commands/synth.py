"""`coxa synth registry --hips N --seed S --out FILE`: a synthetic registry extract.

FILE ends .csv or .parquet; docs/analytics/extract.md gives the columns. Needs the analytics
extra (exit 2 without it).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.analytics.management.commands import needs_extra


class Command(BaseCommand):
    help = "Write a synthetic registry extract whose true hazards are documented."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        extract = sub.add_parser("registry", help="one row per hip, as docs/analytics/extract.md")
        extract.add_argument("--hips", type=int, required=True)
        extract.add_argument("--seed", type=int, default=1)
        extract.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        needs_extra()
        from coxa.analytics.extract import table_of, write_extract  # noqa: PLC0415 (extra)
        from coxa.analytics.synthetic import registry  # noqa: PLC0415 (the analytics extra)

        if options["hips"] < 1:
            raise CommandError("--hips must be 1 or more")
        if options["out"].suffix not in (".csv", ".parquet"):
            raise CommandError("--out must name a .csv or .parquet file")
        extract = registry(options["hips"], seed=options["seed"])
        write_extract(table_of(extract), options["out"])
        self.stdout.write(f"Wrote {len(extract):,} synthetic hips to {options['out']}.")
