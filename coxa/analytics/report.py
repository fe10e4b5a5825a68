"""Writing an analysis out: CSV and JSON tables, SVG/PNG plots and the HTML report.

The same presentation feeds the analytics page and the self-contained report file (styles
and plots inline, nothing fetched), so the two never disagree.
"""

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from coxa.analytics import plots
from coxa.analytics.choices import LABELS
from coxa.analytics.selectors.outcomes import OutcomeFigures
from coxa.analytics.summary import Analysis, Funnel, GroupResult, Proportion
from coxa.core import files

SURVIVAL_COLUMNS = ("group", "time", "at_risk", "events", "survival", "lower", "upper")
INCIDENCE_COLUMNS = ("group", "time", "incidence", "lower", "upper")
MILESTONE_COLUMNS = (
    "group",
    "years",
    "at_risk",
    "revised_percent",
    "revised_lower",
    "revised_upper",
    "incidence_percent",
    "incidence_lower",
    "incidence_upper",
)
RATE_COLUMNS = (
    "group",
    "hips",
    "revisions",
    "deaths",
    "component_years",
    "rate_per_100",
    "lower",
    "upper",
)
FUNNEL_COLUMNS = (
    "label",
    "hips",
    "component_years",
    "observed",
    "expected",
    "ratio",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "level",
)


def _number(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.10g}"


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with files.atomic_write(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_number(v) if isinstance(v, float) else v for v in row])
            count += 1
    return count


def _write_curves(path: Path, header: Sequence[str], parts: Sequence[Sequence[Any]]) -> None:
    """Whole columns through pyarrow's CSV writer: a registry curve has 10^5 steps a group.

    Each part is a group's label, then its columns. The labels are repeated by pyarrow from
    codes, not as a Python string a row (seconds at a million rows).
    """
    table = None
    if parts:
        sizes = [np.asarray(part[1]).size for part in parts]
        codes = np.repeat(np.arange(len(parts), dtype=np.int32), sizes)
        names = pa.array([str(part[0]) for part in parts], type=pa.string())
        labels = pa.DictionaryArray.from_arrays(pa.array(codes), names).cast(pa.string())
        rest = [
            np.concatenate([np.asarray(part[i]) for part in parts]) for i in range(1, len(header))
        ]
        table = pa.table(dict(zip(header, [labels, *rest], strict=True)))
    with files.atomic_write(path) as handle:
        handle.write((",".join(header) + "\n").encode())
        if table is not None and table.num_rows:
            pacsv.write_csv(
                table, handle, pacsv.WriteOptions(include_header=False, quoting_style="needed")
            )


def _curve_parts(groups: Sequence[GroupResult], kind: str) -> list[list[Any]]:
    parts = []
    for g in groups:
        c = g.survival if kind == "survival" else g.incidence
        if kind == "survival":
            parts.append([g.label, c.times, c.at_risk, c.events, c.estimate, c.lower, c.upper])
        else:
            parts.append([g.label, c.times, c.estimate, c.lower, c.upper])
    return parts


def milestone_rows(groups: Sequence[GroupResult]) -> Iterable[tuple[Any, ...]]:
    """Percentages at 1, 3, 5, 10 and 15 years; blank where suppressed."""
    for g in groups:
        for m in g.milestones:
            figures = (
                m.revised,
                m.revised_lower,
                m.revised_upper,
                m.incidence,
                m.incidence_lower,
                m.incidence_upper,
            )
            shown = ("",) * 6 if m.suppressed else tuple(round(100 * v, 4) for v in figures)
            yield (g.label, m.years, m.at_risk, *shown)


def rate_rows(analysis: Analysis) -> Iterable[tuple[Any, ...]]:
    for g in analysis.groups:
        r = g.rate
        rate = (r.rate, r.lower, r.upper) if r else ("", "", "")
        yield (g.label, g.hips, g.revisions, g.deaths, round(g.component_years, 4), *rate)


def funnel_rows(funnel: Funnel) -> Iterable[tuple[Any, ...]]:
    for p in funnel.points:
        yield (
            p.label,
            p.hips,
            round(p.component_years, 4),
            p.observed,
            p.expected,
            p.ratio,
            p.lower_alert,
            p.upper_alert,
            p.lower_alarm,
            p.upper_alarm,
            p.level,
        )


def write_tables(analysis: Analysis, out: Path, which: Sequence[str]) -> list[Path]:
    """Write the named tables (survival, incidence, milestones, rates, funnel) under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "survival" in which:
        written.append(out / "survival.csv")
        _write_curves(written[-1], SURVIVAL_COLUMNS, _curve_parts(analysis.groups, "survival"))
    if "incidence" in which:
        written.append(out / "incidence.csv")
        _write_curves(written[-1], INCIDENCE_COLUMNS, _curve_parts(analysis.groups, "incidence"))
    if "milestones" in which:
        written.append(out / "milestones.csv")
        _write(written[-1], MILESTONE_COLUMNS, milestone_rows(analysis.groups))
    if "rates" in which:
        written.append(out / "rates.csv")
        _write(written[-1], RATE_COLUMNS, rate_rows(analysis))
    if "funnel" in which:
        for f in analysis.funnels:
            written.append(out / f"funnel_{f.by}.csv")
            _write(written[-1], FUNNEL_COLUMNS, funnel_rows(f))
    if "summary" in which:
        written.append(out / "summary.json")
        files.write_text(written[-1], json.dumps(summary(analysis), indent=2) + "\n")
    return written


def summary(analysis: Analysis) -> dict[str, Any]:
    """The headline figures as JSON-ready data."""
    compared = analysis.logrank
    return {
        "cohort": analysis.description,
        "grouped_by": analysis.by,
        "min_at_risk": analysis.min_at_risk,
        "hips": analysis.hips,
        "revisions": analysis.revisions,
        "deaths": analysis.deaths,
        "groups": [dict(zip(RATE_COLUMNS, row, strict=True)) for row in rate_rows(analysis)],
        "milestones": [
            dict(zip(MILESTONE_COLUMNS, row, strict=True))
            for row in milestone_rows(analysis.groups)
        ],
        "logrank": None
        if compared is None
        else {
            "statistic": compared.statistic,
            "degrees_of_freedom": compared.degrees_of_freedom,
            "p_value": compared.p_value,
            "groups_compared": list(compared.compared),
        },
        "outliers": [
            {
                "by": f.by,
                "label": p.label,
                "level": p.level,
                "observed": p.observed,
                "expected": p.expected,
            }
            for f in analysis.funnels
            for p in f.outliers
        ],
        "notes": list(analysis.notes),
    }


def figures(analysis: Analysis, which: Sequence[str], chosen: str | None = None) -> dict[str, Any]:
    """Matplotlib figures by name: survival, incidence, funnel_<by>; ``chosen`` highlighted."""
    made: dict[str, Any] = {}
    if "survival" in which:
        made["survival"] = plots.survival_figure(analysis, chosen)
    if "incidence" in which:
        made["incidence"] = plots.incidence_figure(analysis, chosen)
    if "funnel" in which:
        for f in analysis.funnels:
            made[f"funnel_{f.by}"] = plots.funnel_figure(f)
    return made


def write_plots(
    analysis: Analysis, out: Path, which: Sequence[str], forms: Sequence[str]
) -> tuple[list[Path], dict[str, bytes]]:
    """Write each plot in each form; also give back the SVGs drawn, for the report."""
    out.mkdir(parents=True, exist_ok=True)
    written, svgs = [], {}
    for name, figure in figures(analysis, which).items():
        for form in forms:
            path = out / f"{name}.{form}"
            drawn = plots.render(figure, form)
            files.write_bytes(path, drawn)
            written.append(path)
            if form == "svg":
                svgs[name] = drawn
    return written, svgs


def _percent(value: float) -> str:
    return f"{100 * value:.1f}"


def context(
    analysis: Analysis, drawn: Mapping[str, bytes] | None = None, chosen: str | None = None
) -> dict[str, Any]:
    """What the page and the report templates show; ``drawn`` holds SVGs already drawn.

    Each plot comes inline (``*_svg``, for the report) and as a data URI (``*_uri``, for
    the page, whose policy allows no inline style).
    """
    drawn = drawn or {}
    wanted = [w for w in ("survival", "incidence", "funnel") if not _has(drawn, w)]
    made = {name: plots.render(f, "svg") for name, f in figures(analysis, wanted, chosen).items()}
    svgs = {name: _inline(svg) for name, svg in {**drawn, **made}.items()}
    shown = plots.highlighted(analysis.groups, chosen)
    rest = len(analysis.groups) - len(shown)
    return {
        "analysis": analysis,
        "highlighted": [analysis.groups[i].label for i in shown],
        "others": plots.others(analysis, rest) if rest else "",
        "by_words": LABELS[analysis.by].lower() if analysis.by else "",
        "survival_svg": svgs["survival"],
        "incidence_svg": svgs["incidence"],
        "survival_uri": _data_uri(svgs["survival"]),
        "incidence_uri": _data_uri(svgs["incidence"]),
        "milestones": [
            {
                "group": g.label,
                "cells": [
                    {
                        "years": m.years,
                        "at_risk": m.at_risk,
                        "suppressed": m.suppressed,
                        "revised": _percent(m.revised),
                        "revised_ci": f"{_percent(m.revised_lower)} to {_percent(m.revised_upper)}",
                        "incidence": _percent(m.incidence),
                        "incidence_ci": (
                            f"{_percent(m.incidence_lower)} to {_percent(m.incidence_upper)}"
                        ),
                    }
                    for m in g.milestones
                ],
            }
            for g in analysis.groups
        ],
        "funnels": [
            {"funnel": f, "svg": svgs[name], "uri": _data_uri(svgs[name])}
            for f in analysis.funnels
            for name in [f"funnel_{f.by}"]
        ],
    }


def _has(drawn: Mapping[str, bytes], which: str) -> bool:
    return any(name == which or name.startswith(f"{which}_") for name in drawn)


def _inline(svg: bytes) -> SafeString:
    """Matplotlib's SVG (it escapes every label it writes) without the XML prologue."""
    text = svg.decode("utf-8")
    return mark_safe(text[text.index("<svg") :])  # noqa: S308


# Left as they are in a data URI: what is neither markup nor an attribute's delimiter. "<",
# ">", '"', "&", "=" (so no "style=" reads as an attribute), "#" and "%" are escaped, as is
# white space.
URI_SAFE = "!$'()*+,-./:;?@[]^_`{|}~"


def _data_uri(svg: str) -> SafeString:
    """An SVG as an image's source: percent-encoded only where it must be."""
    return mark_safe("data:image/svg+xml," + quote(svg, safe=URI_SAFE))  # noqa: S308


def share(p: Proportion) -> str:
    """'3 of 40 (7.5%; 95% CI 1.6 to 20.4)': counts first, then the share and its interval."""
    return (
        f"{p.events} of {p.total} ({_percent(p.share)}%; 95% CI "
        f"{_percent(p.lower)} to {_percent(p.upper)})"
    )


def outcomes_context(figures: OutcomeFigures) -> dict[str, Any]:
    """The complication and PROM tables, as the page and the report print them."""
    points = {p.code: p.title for p in figures.points}
    return {
        "outcomes_close": f"{figures.close.day} {figures.close:%b %Y}",
        "complication_windows": [
            {
                "title": window.title,
                "days": window.days,
                "rates": [
                    {
                        "group": r.group,
                        "operated": r.operated,
                        "any": share(r.any),
                        "severe": share(r.severe),
                        "by_type": [(t.title, share(t.hips)) for t in r.by_type],
                    }
                    for r in figures.complications
                    if r.window == window
                ],
            }
            for window in figures.windows
        ],
        "prom_rows": [
            {
                "instrument": figures.instruments.get(p.instrument, p.instrument),
                "group": p.group,
                "point": points.get(p.point, p.point),
                "hips": p.hips,
                "baseline": f"{p.baseline:.1f}",
                "later": f"{p.later:.1f}",
                "change": f"{p.change:+.1f}",
                "interval": "\N{EN DASH}"
                if p.lower is None or p.upper is None
                else f"{p.lower:+.1f} to {p.upper:+.1f}",
                "reaching": "no sourced value" if p.reaching_mic is None else share(p.reaching_mic),
            }
            for p in figures.proms
        ],
    }


def render_report(
    analysis: Analysis,
    *,
    source: str,
    drawn: Mapping[str, bytes] | None = None,
    outcomes: OutcomeFigures | None = None,
    chosen: str | None = None,
) -> str:
    """The self-contained HTML report (with the outcome tables when they are given)."""
    extra = outcomes_context(outcomes) if outcomes is not None else {}
    shown = context(analysis, drawn, chosen)
    return render_to_string("analytics/report.html", {**shown, **extra, "source": source})
