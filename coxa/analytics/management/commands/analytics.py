"""`coxa analytics survival|incidence|funnel|report|extract [--input FILE] ... --out PATH`.

Reads a registry extract (.csv or .parquet), or Coxa's own records without ``--input``
(pseudonymised; the read is audited), optionally filtered, and writes under ``--out``:
- survival: survival.csv (group, time, at_risk, events, survival, lower, upper; one row per
  distinct revision time per group) and its plot;
- incidence: incidence.csv (group, time, incidence, lower, upper; revision with death as a
  competing risk) and its plot;
- funnel: funnel_surgeon.csv and funnel_unit.csv (observed/expected with 95% and 99.8%
  limits, outliers named) and their plots;
- report: every table, summary.json, every plot and report.html, one self-contained page;
- extract: Coxa's records as an extract file (--out FILE.csv or FILE.parquet).
A progress bar shows on a terminal. Without the analytics extra it exits 2 saying how to
install it; its libraries are imported only after that check (``analytics.extra``).
"""

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.analytics.choices import AGE_BANDS, CATEGORIES, FORMATS, GROUPABLE, HEAD_BANDS
from coxa.analytics.management.commands import needs_extra
from coxa.analytics.selectors import registry_cohort, registry_rows
from coxa.core import audit, files

if TYPE_CHECKING:
    from coxa.analytics.cohort import Cohort, Filter

TABLES = {
    "survival": ("survival",),
    "incidence": ("incidence",),
    "funnel": ("funnel",),
    "report": ("survival", "incidence", "milestones", "rates", "funnel", "summary"),
}


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise CommandError(f"operation years are whole years, not {text!r}") from None
    return year


class Command(BaseCommand):
    help = "Registry analytics: survival, cumulative incidence, funnel plots and the report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("method", choices=(*TABLES, "extract"))
        parser.add_argument(
            "--input", type=Path, help="an extract (.csv or .parquet); default: Coxa's records"
        )
        parser.add_argument(
            "--out", type=Path, required=True, help="a folder (or, for extract, a file)"
        )
        parser.add_argument("--by", choices=GROUPABLE, help="group the curves by a column or band")
        parser.add_argument(
            "--plots", default="svg,png", help="plot formats: svg, png, both or none"
        )
        parser.add_argument(
            "--min-at-risk",
            type=int,
            default=settings.ANALYTICS_MIN_AT_RISK,
            help="withhold figures where fewer remain at risk",
        )
        parser.add_argument(
            "--close",
            type=dt.date.fromisoformat,
            help="database only: the day follow-up closes (default today)",
        )
        for name in CATEGORIES:
            parser.add_argument(
                f"--{name}", action="append", default=[], help=f"keep only this {name} (repeatable)"
            )
        parser.add_argument("--age-band", action="append", default=[], choices=AGE_BANDS)
        parser.add_argument("--head-band", action="append", default=[], choices=HEAD_BANDS)
        parser.add_argument("--operated-from", type=_year, help="first operation year kept")
        parser.add_argument("--operated-to", type=_year, help="last operation year kept")

    def handle(self, *args: Any, **options: Any) -> None:
        needs_extra()
        from tqdm import tqdm  # noqa: PLC0415 (the analytics extra, checked above)

        from coxa.analytics import report  # noqa: PLC0415 (the analytics extra)
        from coxa.analytics.summary import analyse, steps  # noqa: PLC0415 (the analytics extra)

        started = time.perf_counter()
        method, out = options["method"], options["out"]
        if method == "extract":
            self._extract(options)
            return
        forms = self._forms(options["plots"])
        if options["min_at_risk"] < 1:
            raise CommandError("--min-at-risk must be at least 1")
        cohort, source = self._cohort(options)
        chosen = self._filter(options)
        cohort = chosen.apply(cohort)
        groups = len(cohort.category(options["by"]).present()) if options["by"] else 1
        total = steps(groups) + 2 + (method == "report")
        with tqdm(total=total, unit="step", disable=None, leave=False) as bar:

            def tick(label: str) -> None:
                bar.set_description(label)
                bar.update()

            analysis = analyse(
                cohort,
                description=chosen.describe(),
                by=options["by"],
                min_at_risk=options["min_at_risk"],
                tick=tick,
            )
            written = report.write_tables(analysis, out, TABLES[method])
            tick("tables")
            which = ("survival", "incidence", "funnel") if method == "report" else (method,)
            plotted, drawn = report.write_plots(analysis, out, which, forms)
            written += plotted
            tick("plots")
            if method == "report":
                path = out / "report.html"
                page = report.render_report(analysis, source=source, drawn=drawn)
                files.write_text(path, page)
                written.append(path)
                tick("report")
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{len(cohort):,} hips from {source}; "
            f"wrote {len(written)} files to {out} in {seconds:.1f} s:"
        )
        for path in written:
            self.stdout.write(f"  {path.name}")

    @staticmethod
    def _forms(text: str) -> tuple[str, ...]:
        if text == "none":
            return ()
        if text == "both":
            return FORMATS
        forms = tuple(f.strip() for f in text.split(",") if f.strip())
        unknown = [f for f in forms if f not in FORMATS]
        if unknown or not forms:
            raise CommandError(f"--plots takes svg, png, both or none, not {text!r}")
        return forms

    def _cohort(self, options: dict[str, Any]) -> tuple["Cohort", str]:
        from coxa.analytics.extract import ExtractError, read_extract  # noqa: PLC0415 (extra)

        if options["input"] is not None:
            if options["close"] is not None:
                raise CommandError(
                    "--close applies to Coxa's records; an extract already has its follow-up"
                )
            try:
                return read_extract(options["input"]), str(options["input"].name)
            except (OSError, ExtractError) as error:
                raise CommandError(str(error)) from None
        cohort, close = registry_cohort(None, close_on=options["close"], via=audit.Via.CLI)
        return cohort, f"Coxa's records, follow-up closed {close.isoformat()}"

    @staticmethod
    def _filter(options: dict[str, Any]) -> "Filter":
        from coxa.analytics.cohort import Filter  # noqa: PLC0415 (the analytics extra)

        first, last = options["operated_from"], options["operated_to"]
        if first is not None and last is not None and first > last:
            raise CommandError("--operated-from is after --operated-to")
        return Filter(
            **{name: frozenset(options[name]) for name in GROUPABLE},
            operated_from=first,
            operated_to=last,
        )

    def _extract(self, options: dict[str, Any]) -> None:
        if options["input"] is not None:
            raise CommandError("extract writes Coxa's own records; it takes no --input")
        out: Path = options["out"]
        if out.suffix not in (".csv", ".parquet"):
            raise CommandError("--out must name a .csv or .parquet file")
        from coxa.analytics.extract import table_of_rows, write_extract  # noqa: PLC0415 (extra)

        rows, close = registry_rows(None, close_on=options["close"], via=audit.Via.CLI)
        write_extract(table_of_rows(rows), out)
        self.stdout.write(
            f"Wrote {len(rows['hip_id']):,} hips (follow-up closed {close.isoformat()}) to {out}."
        )
