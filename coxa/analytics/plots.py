"""Plots of an analysis, as SVG text or PNG bytes.

They are drawn with matplotlib's Agg canvas: no display, and no pyplot state, so pages can
draw them in any thread.

Curves are drawn on a grid of ``POINTS`` times, which at any screen or print size is the
same picture as every step (a registry curve can have a hundred thousand steps); the tables
hold every step. A curve stops where fewer than the threshold remain at risk.
"""

import io
from collections.abc import Sequence
from typing import Literal

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from coxa.analytics.methods import funnel_limits_ratio
from coxa.analytics.summary import HORIZONS, Analysis, Funnel, GroupResult

POINTS = 800
COLOURS = ("#1b6ca8", "#c0392b", "#27864a", "#8e44ad", "#d68910", "#5d6d7e", "#117a65")
FORMATS = ("svg", "png")


def _steps(
    times: NDArray[np.float64],
    values: NDArray[np.float64],
    grid: NDArray[np.float64],
    initial: float,
) -> NDArray[np.float64]:
    index = np.searchsorted(times, grid, side="right") - 1
    return np.where(index < 0, initial, values[np.maximum(index, 0)])


def _grid(until: float) -> NDArray[np.float64]:
    return np.linspace(0.0, until, POINTS)


def _colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def _at_risk_table(axes: Axes, groups: Sequence[GroupResult], ticks: Sequence[float]) -> None:
    axes.axis("off")
    axes.set_title("Number at risk", loc="left", fontsize=8)
    for row, group in enumerate(groups):
        y = 1 - (row + 1) / (len(groups) + 1)
        axes.text(
            -0.04,
            y,
            group.label,
            transform=axes.transAxes,
            ha="right",
            va="center",
            fontsize=7,
            color=_colour(row),
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


def _legend_or_say_why(plot: Axes, where: Literal["lower left", "upper left"]) -> None:
    if plot.get_legend_handles_labels()[0]:
        plot.legend(loc=where, fontsize=7)
    else:
        plot.text(
            0.5,
            0.5,
            "Too few hips remain at risk to draw a curve",
            transform=plot.transAxes,
            ha="center",
            va="center",
        )


def survival_figure(analysis: Analysis) -> Figure:
    """Revision-free survival (Kaplan-Meier, death censored), 95% bands, numbers at risk."""
    figure = Figure(figsize=(8, 4.6 + 0.18 * len(analysis.groups)), layout="constrained")
    plot, table = figure.subplots(
        2, 1, height_ratios=(4, 0.5 + 0.25 * len(analysis.groups)), sharex=True
    )
    ticks = (0, *HORIZONS)
    lowest = 1.0
    for i, group in enumerate(analysis.groups):
        if group.shown_until <= 0:
            continue
        grid = _grid(group.shown_until)
        curve = group.survival
        estimate = _steps(curve.times, curve.estimate, grid, 1.0)
        lower = _steps(curve.times, curve.lower, grid, 1.0)
        plot.fill_between(
            grid,
            lower,
            _steps(curve.times, curve.upper, grid, 1.0),
            step="post",
            color=_colour(i),
            alpha=0.18,
            linewidth=0,
        )
        plot.step(
            grid,
            estimate,
            where="post",
            color=_colour(i),
            label=f"{group.label} ({group.hips:,} hips)",
        )
        lowest = min(lowest, float(lower.min()))
    plot.set_xlim(0, max(HORIZONS))
    plot.set_ylim(max(0.0, lowest - 0.05), 1.002)
    plot.set_xticks(ticks)
    plot.set_ylabel("Revision-free survival")
    plot.set_title(
        "Revision-free survival (Kaplan-Meier, death censored), 95% bands", loc="left", fontsize=10
    )
    plot.grid(alpha=0.3)
    _legend_or_say_why(plot, "lower left")
    plot.tick_params(labelbottom=True)  # shared with the table below, which hides its axis
    plot.set_xlabel("Years since the operation")
    _at_risk_table(table, analysis.groups, ticks)
    return figure


def incidence_figure(analysis: Analysis) -> Figure:
    """Cumulative incidence of revision, death competing (solid), beside 1 - KM (dashed)."""
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    plot = figure.subplots()
    highest = 0.0
    for i, group in enumerate(analysis.groups):
        if group.shown_until <= 0:
            continue
        grid = _grid(group.shown_until)
        cif = group.incidence
        upper = _steps(cif.times, cif.upper, grid, 0.0)
        plot.fill_between(
            grid,
            _steps(cif.times, cif.lower, grid, 0.0),
            upper,
            step="post",
            color=_colour(i),
            alpha=0.18,
            linewidth=0,
        )
        plot.step(
            grid,
            _steps(cif.times, cif.estimate, grid, 0.0),
            where="post",
            color=_colour(i),
            label=f"{group.label}: death competing",
        )
        km = 1 - _steps(group.survival.times, group.survival.estimate, grid, 1.0)
        plot.step(
            grid,
            km,
            where="post",
            color=_colour(i),
            linestyle="--",
            label=f"{group.label}: 1 - Kaplan-Meier",
        )
        highest = max(highest, float(upper.max()), float(km.max()))
    plot.set_xlim(0, max(HORIZONS))
    plot.set_ylim(0, min(1.0, highest * 1.08 + 0.002))
    plot.set_xticks((0, *HORIZONS))
    plot.set_xlabel("Years since the operation")
    plot.set_ylabel("Cumulative revision")
    plot.set_title(
        "Cumulative incidence of revision, death as a competing risk", loc="left", fontsize=10
    )
    plot.grid(alpha=0.3)
    _legend_or_say_why(plot, "upper left")
    return figure


def funnel_figure(funnel: Funnel) -> Figure:
    """Observed/expected against expected revisions, 95% and 99.8% limits, outliers named."""
    figure = Figure(figsize=(8, 4.2), layout="constrained")
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
    colours = {"alarm": "#c0392b", "alert": "#d68910", "low": "#27864a", "": "#1b6ca8"}
    plot.scatter(
        [p.expected for p in points],
        [p.ratio for p in points],
        s=18,
        c=[colours[p.level] for p in points],
        zorder=3,
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
    plot.legend(loc="upper right", fontsize=7)
    return figure


def render(figure: Figure, form: str) -> bytes:
    """The figure as SVG (text kept as text) or PNG (150 dpi)."""
    if form not in FORMATS:
        raise ValueError(f"plots are {' or '.join(FORMATS)}")
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "coxa"}):
        figure.savefig(buffer, format=form, dpi=150, metadata=_metadata(form))
    return buffer.getvalue()


def _metadata(form: str) -> dict[str, str | None]:
    # Leave the date out so the same analysis gives the same file.
    return {"Date": None} if form == "svg" else {"Software": "Coxa"}
