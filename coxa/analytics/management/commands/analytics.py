"""`coxa analytics survival|incidence --input FILE [--by COLUMN] --out DIR`.

survival: DIR/survival.csv with group, time, at_risk, events, survival, lower, upper (one row
per distinct event time per group; revision is the event, death and end of follow-up censor).
incidence: DIR/incidence.csv with group, time, incidence, lower, upper (revision, with death
as a competing risk).
"""

import csv
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.analytics.extract import ExtractError, read_csv
from coxa.analytics.survival import cumulative_incidence, kaplan_meier
from coxa.analytics.synthetic import COLUMNS

GROUPABLE = tuple(c for c in COLUMNS if c not in ("hip_id", "years", "outcome"))


class Command(BaseCommand):
    help = "Survival and cumulative incidence of revision from a registry extract."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("method", choices=("survival", "incidence"))
        parser.add_argument("--input", type=Path, required=True, help="an extract (.csv)")
        parser.add_argument("--by", choices=GROUPABLE, help="a column to group by")
        parser.add_argument("--out", type=Path, required=True, help="a folder for the tables")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_csv(options["input"])
        except (OSError, ExtractError) as error:
            raise CommandError(str(error)) from None
        by = options["by"]
        groups = data[by] if by else np.full(data["years"].size, "all")
        options["out"].mkdir(parents=True, exist_ok=True)
        path = options["out"] / f"{options['method']}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            rows = 0
            if options["method"] == "survival":
                writer.writerow(
                    ["group", "time", "at_risk", "events", "survival", "lower", "upper"]
                )
            else:
                writer.writerow(["group", "time", "incidence", "lower", "upper"])
            for group in np.unique(groups):
                chosen = groups == group
                years, outcome = data["years"][chosen], data["outcome"][chosen]
                if options["method"] == "survival":
                    curve = kaplan_meier(years, outcome == 1)
                    table = zip(
                        curve.times,
                        curve.at_risk,
                        curve.events,
                        curve.estimate,
                        curve.lower,
                        curve.upper,
                        strict=True,
                    )
                else:
                    curve = cumulative_incidence(years, outcome, event=1)
                    table = zip(curve.times, curve.estimate, curve.lower, curve.upper, strict=True)
                for row in table:
                    writer.writerow([group, *(f"{v:.10g}" for v in row)])
                    rows += 1
        self.stdout.write(f"Wrote {rows:,} rows to {path}.")
