"""Plots of an analysis, as SVG text or PNG bytes.

They are drawn with matplotlib's Agg canvas: no display, and no pyplot state, so pages can
draw them in any thread.

Curves are read on a grid of ``POINTS`` times, as many as the widest display shows, and
drawn only where they step, so a curve of a hundred thousand steps (or of five hips) costs
what it shows; the tables hold every step. A curve stops where fewer than the threshold
remain at risk.

With many groups, at most ``HIGHLIGHTS`` are drawn in colour (Okabe-Ito, told apart with
colour-blindness): the one the analyst picks, then the largest by hips. The rest are thin
grey lines under one legend entry. Legends sit below the axes, never over the curves.
"""

import io
import re
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from coxa.analytics.choices import FORMATS
from coxa.analytics.methods import funnel_limits_ratio
from coxa.analytics.summary import HORIZONS, Analysis, Funnel, GroupResult

POINTS = 800
# Okabe & Ito, "Color Universal Design" (2008): blue, vermillion, bluish green, reddish
# purple, orange, sky blue; yellow is left out (it vanishes on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
HIGHLIGHTS = len(PALETTE)
REST = "#a6a6a6"
PLURALS = {
    "procedure": "procedures",
    "sex": "sexes",
    "diagnosis": "diagnoses",
    "surgeon": "surgeons",
    "unit": "units",
    "age_band": "age bands",
    "head_band": "head sizes",
}


def highlighted(groups: Sequence[GroupResult], chosen: str | None = None) -> list[int]:
    """Indices of the groups drawn in colour: ``chosen`` first, then the largest by hips.

    Ties go to the label first in order. At most ``HIGHLIGHTS``; all of them when there are
    no more than that.
    """
    order = sorted(range(len(groups)), key=lambda i: (-groups[i].hips, groups[i].label))
    if chosen is not None:
        order = sorted(order, key=lambda i: groups[i].label != chosen)
    return order[:HIGHLIGHTS]


def others(analysis: Analysis, count: int) -> str:
    """'38 other surgeons' (the groups not highlighted)."""
    noun = PLURALS.get(analysis.by or "", "groups")
    return "1 other group" if count == 1 else f"{count} other {noun}"


def rest_label(analysis: Analysis, count: int) -> str:
    """'38 other surgeons, in grey': the one legend entry of the groups not highlighted."""
    return f"{others(analysis, count)}, in grey"


def _steps(
    times: NDArray[np.float64],
    values: NDArray[np.float64],
    grid: NDArray[np.float64],
    initial: float,
) -> NDArray[np.float64]:
    """The step function read on ``grid``; a curve with no steps (no events) stays flat."""
    if not times.size:
        return np.full(grid.shape, initial)
    index = np.searchsorted(times, grid, side="right") - 1
    return np.where(index < 0, initial, values[np.maximum(index, 0)])


def _corners(
    grid: NDArray[np.float64], *columns: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    """Only the grid points where some column steps (and the last): drawn 'post', the same."""
    keep = np.zeros(grid.size, dtype=np.bool_)
    keep[0] = keep[-1] = True
    for column in columns:
        keep[1:] |= column[1:] != column[:-1]
    return (grid[keep], *(column[keep] for column in columns))


def _grid(until: float) -> NDArray[np.float64]:
    return np.linspace(0.0, until, POINTS)


def _legend(figure: Figure, plot: Axes, extra: Sequence[Line2D] = ()) -> None:
    """The key below the axes, outside them; or why nothing is drawn."""
    handles, labels = plot.get_legend_handles_labels()
    if not handles:
        plot.text(
            0.5,
            0.5,
            "Too few hips remain at risk to draw a curve",
            transform=plot.transAxes,
            ha="center",
            va="center",
        )
        return
    handles = [*handles, *extra]
    labels = [*labels, *(str(h.get_label()) for h in extra)]
    figure.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=7, frameon=False)


def _rest(analysis: Analysis, shown: Sequence[int]) -> list[int]:
    chosen = set(shown)
    return [i for i in range(len(analysis.groups)) if i not in chosen]


def _grey_key(analysis: Analysis, rest: Sequence[int]) -> list[Line2D]:
    if not rest:
        return []
    label = rest_label(analysis, len(rest))
    return [Line2D([], [], color=REST, linewidth=0.8, label=label)]


def _at_risk_table(
    axes: Axes, groups: Sequence[GroupResult], shown: Sequence[int], ticks: Sequence[float]
) -> None:
    axes.axis("off")
    title = "Number at risk" if len(shown) == len(groups) else "Number at risk (in colour)"
    axes.set_title(title, loc="left", fontsize=8)
    for row, i in enumerate(shown):
        group = groups[i]
        y = 1 - (row + 1) / (len(shown) + 1)
        axes.text(
            -0.04,
            y,
            group.label,
            transform=axes.transAxes,
            ha="right",
            va="center",
            fontsize=7,
            color=PALETTE[row],
        )
        for tick, count in zip(ticks, group.at_risk_ticks, strict=True):
            axes.text(
                tick,
                y,
                f"{count:,}",
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="center",
                fontsize=7,
            )


def _survival_of(group: GroupResult) -> tuple[NDArray[np.float64], ...]:
    grid = _grid(group.shown_until)
    curve = group.survival
    return _corners(
        grid,
        _steps(curve.times, curve.estimate, grid, 1.0),
        _steps(curve.times, curve.lower, grid, 1.0),
        _steps(curve.times, curve.upper, grid, 1.0),
    )


def survival_figure(analysis: Analysis, chosen: str | None = None) -> Figure:
    """Revision-free survival (Kaplan-Meier, death censored), 95% bands, numbers at risk."""
    shown = highlighted(analysis.groups, chosen)
    rest = _rest(analysis, shown)
    figure = Figure(figsize=(8, 5.2 + 0.18 * len(shown)), layout="constrained")
    plot, table = figure.subplots(2, 1, height_ratios=(4, 0.5 + 0.25 * len(shown)), sharex=True)
    ticks = (0, *HORIZONS)
    lowest = 1.0
    for i in rest:
        group = analysis.groups[i]
        if group.shown_until > 0:
            times, estimate, _, _ = _survival_of(group)
            plot.step(times, estimate, where="post", color=REST, linewidth=0.6, zorder=1)
    for row, i in enumerate(shown):
        group = analysis.groups[i]
        if group.shown_until <= 0:
            continue
        times, estimate, lower, upper = _survival_of(group)
        colour = PALETTE[row]
        plot.fill_between(
            times, lower, upper, step="post", color=colour, alpha=0.15, linewidth=0, zorder=2
        )
        label = f"{group.label} ({group.hips:,} hips)"
        plot.step(times, estimate, where="post", color=colour, label=label, zorder=3)
        lowest = min(lowest, float(lower.min()))
    plot.set_xlim(0, max(HORIZONS))
    plot.set_ylim(max(0.0, lowest - 0.05), 1.002)
    plot.set_xticks(ticks)
    plot.set_ylabel("Revision-free survival")
    plot.set_title(
        "Revision-free survival (Kaplan-Meier, death censored), 95% bands", loc="left", fontsize=10
    )
    plot.grid(alpha=0.3)
    _legend(figure, plot, _grey_key(analysis, rest))
    plot.tick_params(labelbottom=True)  # shared with the table below, which hides its axis
    plot.set_xlabel("Years since the operation")
    _at_risk_table(table, analysis.groups, shown, ticks)
    return figure


def incidence_figure(analysis: Analysis, chosen: str | None = None) -> Figure:
    """Cumulative incidence of revision, death competing (solid), beside 1 - KM (dashed)."""
    shown = highlighted(analysis.groups, chosen)
    rest = _rest(analysis, shown)
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    plot = figure.subplots()
    highest = 0.0
    for i in rest:
        group = analysis.groups[i]
        if group.shown_until > 0:
            grid = _grid(group.shown_until)
            cif = group.incidence
            times, estimate = _corners(grid, _steps(cif.times, cif.estimate, grid, 0.0))
            plot.step(times, estimate, where="post", color=REST, linewidth=0.6, zorder=1)
            highest = max(highest, float(estimate.max()))
    for row, i in enumerate(shown):
        group = analysis.groups[i]
        if group.shown_until <= 0:
            continue
        grid = _grid(group.shown_until)
        cif, km = group.incidence, group.survival
        times, estimate, lower, upper, one_minus = _corners(
            grid,
            _steps(cif.times, cif.estimate, grid, 0.0),
            _steps(cif.times, cif.lower, grid, 0.0),
            _steps(cif.times, cif.upper, grid, 0.0),
            1 - _steps(km.times, km.estimate, grid, 1.0),
        )
        colour = PALETTE[row]
        plot.fill_between(
            times, lower, upper, step="post", color=colour, alpha=0.15, linewidth=0, zorder=2
        )
        plot.step(times, estimate, where="post", color=colour, label=group.label, zorder=3)
        plot.step(times, one_minus, where="post", color=colour, linestyle="--", zorder=3)
        highest = max(highest, float(upper.max()), float(one_minus.max()))
    plot.set_xlim(0, max(HORIZONS))
    plot.set_ylim(0, min(1.0, highest * 1.08 + 0.002))
    plot.set_xticks((0, *HORIZONS))
    plot.set_xlabel("Years since the operation")
    plot.set_ylabel("Cumulative revision")
    plot.set_title(
        "Cumulative incidence of revision, death as a competing risk", loc="left", fontsize=10
    )
    plot.grid(alpha=0.3)
    styles = [
        Line2D([], [], color="#333333", label="Solid: death as a competing risk"),
        Line2D([], [], color="#333333", linestyle="--", label="Dashed: 1 - Kaplan-Meier"),
    ]
    _legend(figure, plot, [*_grey_key(analysis, rest), *styles])
    return figure


# Okabe-Ito again, and a shape apiece, so a level reads without its colour.
LEVELS = {
    "alarm": ("#D55E00", "^", "Above the 99.8% limit (alarm)"),
    "alert": ("#E69F00", "D", "Above the 95% limit (alert)"),
    "low": ("#009E73", "v", "Below the 95% limit"),
    "": ("#0072B2", "o", "Within the limits"),
}


def funnel_figure(funnel: Funnel) -> Figure:
    """Observed/expected against expected revisions, 95% and 99.8% limits, outliers named."""
    figure = Figure(figsize=(8, 4.6), layout="constrained")
    plot = figure.subplots()
    points = [p for p in funnel.points if p.expected > 0]
    largest = max((p.expected for p in points), default=1.0) * 1.1
    grid = np.linspace(max(largest / 400, 0.05), largest, 300)
    limits = funnel_limits_ratio(grid)
    for lower, upper, style, label in (
        (limits.lower_alert, limits.upper_alert, "--", "95% limits (alert)"),
        (limits.lower_alarm, limits.upper_alarm, ":", "99.8% limits (alarm)"),
    ):
        plot.plot(grid, upper, style, color="#555555", linewidth=1, label=label)
        plot.plot(grid, lower, style, color="#555555", linewidth=1)
    plot.axhline(1.0, color="#333333", linewidth=0.8)
    for level, (colour, marker, label) in LEVELS.items():
        mine = [p for p in points if p.level == level]
        if mine:
            plot.scatter(
                [p.expected for p in mine],
                [p.ratio for p in mine],
                s=18,
                c=colour,
                marker=marker,
                zorder=3,
                label=label,
            )
    for p in points:
        if p.level in ("alarm", "alert"):
            plot.annotate(
                p.label,
                (p.expected, p.ratio),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
            )
    top = max([2.5, *(p.ratio * 1.1 for p in points if np.isfinite(p.ratio))])
    plot.set_ylim(0, top)
    plot.set_xlim(0, largest)
    plot.set_xlabel("Expected revisions at the cohort's rate")
    plot.set_ylabel("Observed / expected")
    plot.set_title(
        f"Revision by {funnel.by}: observed/expected with funnel limits", loc="left", fontsize=10
    )
    plot.grid(alpha=0.3)
    _legend(figure, plot)
    return figure


def render(figure: Figure, form: str) -> bytes:
    """The figure as SVG (text kept as text) or PNG (150 dpi)."""
    if form not in FORMATS:
        raise ValueError(f"plots are {' or '.join(FORMATS)}")
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "coxa"}):
        figure.savefig(buffer, format=form, dpi=150, metadata=_metadata(form))
    return compact(buffer.getvalue()) if form == "svg" else buffer.getvalue()


_BETWEEN_TAGS = re.compile(rb">\s+<")
_PATH = re.compile(rb' d="([^"]*)"')
_STYLE = re.compile(rb' style="([^"]*)"')
_LINES = frozenset((b"M", b"L"))


def compact(svg: bytes) -> bytes:
    """Matplotlib's SVG, the same picture in fewer bytes.

    Straight-line paths are written to a tenth of a point (a 576-point figure is never shown
    wider than a few thousand pixels), with horizontal and vertical moves as H and V, and
    without the layout between tags and inside styles.
    """
    svg = _BETWEEN_TAGS.sub(b"><", svg)
    svg = _STYLE.sub(lambda m: b' style="' + re.sub(rb"([:;]) ", rb"\1", m[1]) + b'"', svg)
    return _PATH.sub(lambda m: b' d="' + _path(m[1]) + b'"', svg)


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _path(d: bytes) -> bytes:
    """A path of M, L and z only, with H and V where they serve; any other kept as it is."""
    tokens = d.split()
    out: list[str] = []
    at = start = ("", "")
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command == b"z":
            out.append("z")
            at, i = start, i + 1
            continue
        if command not in _LINES or i + 2 >= len(tokens):
            return d
        try:
            x, y = _number(float(tokens[i + 1])), _number(float(tokens[i + 2]))
        except ValueError:
            return d
        i += 3
        if command == b"M":
            out.append(f"M{x},{y}")
            at = start = (x, y)
        elif (x, y) != at:
            out.append(f"H{x}" if y == at[1] else f"V{y}" if x == at[0] else f"L{x},{y}")
            at = (x, y)
    return "".join(out).encode()


def _metadata(form: str) -> dict[str, str | None]:
    # Leave the date out so the same analysis gives the same file.
    return {"Date": None} if form == "svg" else {"Software": "Coxa"}
