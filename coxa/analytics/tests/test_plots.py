"""Plots by many groups stay readable: the key outside the axes, a few groups in colour.

Pure: the figures are drawn from a synthetic cohort, no database.
"""

import re
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from numpy.typing import NDArray

from coxa.analytics import plots
from coxa.analytics.cohort import Category, Cohort
from coxa.analytics.summary import Analysis, analyse
from coxa.analytics.synthetic import SURGEONS

GROUPS = 40


def cohort(groups: int = GROUPS, hips: int = 4_000, seed: int = 4) -> Cohort:
    """``groups`` surgeons with unequal numbers of hips (the first has the most)."""
    rng = np.random.default_rng(seed)
    weights = np.linspace(3.0, 1.0, groups)
    names = [
        SURGEONS[i % len(SURGEONS)] + ("" if i < len(SURGEONS) else f" {i}") for i in range(groups)
    ]
    surgeon = rng.choice(names, hips, p=weights / weights.sum())
    years = rng.uniform(0, 16, hips).round(3)
    return Cohort(
        procedure=Category.of(["bhr"] * hips),
        sex=Category.of(list(rng.choice(["female", "male"], hips))),
        diagnosis=Category.of([None] * hips),
        surgeon=Category.of(list(surgeon)),
        unit=Category.of(["Riverside"] * hips),
        age=np.full(hips, 50.0),
        head_size_mm=np.full(hips, 50.0),
        operation_year=np.full(hips, 2015, dtype=np.int32),
        years=years,
        outcome=rng.choice([0, 1, 2], hips, p=[0.85, 0.1, 0.05]).astype(np.int8),
    )


@pytest.fixture(scope="module")
def by_surgeon() -> Analysis:
    return analyse(cohort(), by="surgeon", min_at_risk=5)


def drawn(figure: Figure) -> Figure:
    figure.draw_without_rendering()  # lays the figure out, so every box has its place
    return figure


def legend_texts(figure: Figure) -> list[str]:
    (legend,) = figure.legends
    return [t.get_text() for t in legend.get_texts()]


def outside(box: Bbox, axes: Bbox) -> bool:
    return not box.overlaps(axes)


@pytest.mark.parametrize("draw", [plots.survival_figure, plots.incidence_figure])
def test_with_forty_groups_the_legend_sits_outside_the_axes(by_surgeon, draw):
    figure = drawn(draw(by_surgeon))
    (legend,) = figure.legends
    box = legend.get_window_extent()
    for axes in figure.axes:  # the plot, and the at-risk table under the survival curves
        assert outside(box, axes.get_window_extent()), axes.get_title()
    assert not [a for a in figure.axes if a.get_legend() is not None]  # none inside a plot


def test_the_funnel_plots_key_sits_outside_the_axes_too(by_surgeon):
    figure = drawn(plots.funnel_figure(by_surgeon.funnels[0]))
    (legend,) = figure.legends
    assert outside(legend.get_window_extent(), figure.axes[0].get_window_extent())


def test_six_groups_in_colour_and_the_rest_in_grey_under_one_entry(by_surgeon):
    figure = drawn(plots.survival_figure(by_surgeon))
    texts = legend_texts(figure)
    assert len(texts) <= plots.HIGHLIGHTS + 1
    assert texts[-1] == f"{GROUPS - plots.HIGHLIGHTS} other surgeons, in grey"
    plot = figure.axes[0]
    colours = {line.get_color() for line in plot.get_lines()}
    assert colours == {*plots.PALETTE, plots.REST}  # six distinct colours, and the grey
    grey = [line for line in plot.get_lines() if line.get_color() == plots.REST]
    assert len(grey) == GROUPS - plots.HIGHLIGHTS
    assert all(line.get_linewidth() < 1 for line in grey)


def test_the_incidence_key_names_the_groups_the_grey_and_the_two_line_styles(by_surgeon):
    texts = legend_texts(drawn(plots.incidence_figure(by_surgeon)))
    assert len(texts) <= plots.HIGHLIGHTS + 3
    assert "34 other surgeons, in grey" in texts
    assert "Dashed: 1 - Kaplan-Meier" in texts


def test_the_largest_groups_are_highlighted_and_the_chosen_one_first(by_surgeon):
    groups = by_surgeon.groups
    largest = sorted(groups, key=lambda g: -g.hips)[: plots.HIGHLIGHTS]
    shown = plots.highlighted(groups)
    assert {groups[i].label for i in shown} == {g.label for g in largest}
    smallest = min(groups, key=lambda g: g.hips).label
    chosen = plots.highlighted(groups, smallest)
    assert groups[chosen[0]].label == smallest
    assert len(chosen) == plots.HIGHLIGHTS
    assert plots.highlighted(groups, "nobody of that name") == shown
    texts = legend_texts(drawn(plots.survival_figure(by_surgeon, smallest)))
    assert texts[0].startswith(smallest)


def test_a_few_groups_are_all_in_colour_with_no_grey_entry():
    analysis = analyse(cohort(groups=3), by="surgeon", min_at_risk=5)
    figure = drawn(plots.survival_figure(analysis))
    texts = legend_texts(figure)
    assert len(texts) == 3
    assert not any("grey" in t for t in texts)
    table = figure.axes[1]
    assert table.get_title(loc="left") == "Number at risk"


def test_the_at_risk_table_lists_only_the_groups_in_colour(by_surgeon):
    figure = drawn(plots.survival_figure(by_surgeon))
    table = figure.axes[1]
    assert table.get_title(loc="left") == "Number at risk (in colour)"
    names = {g.label for g in by_surgeon.groups}
    rows = [t.get_text() for t in table.texts if t.get_text() in names]
    assert len(rows) == plots.HIGHLIGHTS


def test_the_svg_draws_only_the_steps_so_forty_groups_stay_small(by_surgeon):
    svg = plots.render(plots.survival_figure(by_surgeon), "svg")
    assert len(svg) < 400_000
    # A step curve of a few hundred hips has far fewer corners than the 800-point grid.
    paths = re.findall(rb' d="([^"]+)"', svg)
    longest = max(len(re.findall(rb"[MLHV]", d)) for d in paths)
    assert longest < plots.POINTS


def test_compact_paths_draw_the_same_lines():
    d = (
        b"M 74.348431 17.976854 \nL 78.19633 17.976854 \nL 78.19633 19.349539 \n"
        b"L 78.19633 19.349539 \nL 80 20 \nz \nM 1 2 \nL 1 5 \n"
    )
    assert (
        plots.compact(b'<path d="' + d + b'"/>') == b'<path d="M74.3,18H78.2V19.3L80,20zM1,2V5"/>'
    )
    curved = b'<path d="M 0 3 C 1.6 3 3 1.6 3 0 z"/>'  # a marker: left as it is
    assert plots.compact(curved) == curved
    styled = b'<g style="fill: none; stroke: #a6a6a6">\n  <text>a b</text>\n</g>'
    assert plots.compact(styled) == b'<g style="fill:none;stroke:#a6a6a6"><text>a b</text></g>'


def test_corners_keep_the_shape_of_a_step_curve():
    grid = np.linspace(0, 10, 11)
    values = np.array([1, 1, 1, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8])
    times, kept = plots._corners(grid, values)
    assert list(times) == [0, 3, 6, 10]
    assert list(kept) == [1, 0.9, 0.8, 0.8]
    assert np.array_equal(plots._steps(times, kept, grid, 1.0), values)  # the same steps


def test_grey_is_named_for_the_grouping():
    analysis = analyse(cohort(groups=8), by="surgeon", min_at_risk=5)
    assert plots.rest_label(analysis, 2) == "2 other surgeons, in grey"
    assert plots.rest_label(analysis, 1) == "1 other group, in grey"


def _small(hips: int, outcome: int = 0, *, years: float | None = None) -> Cohort:
    """``hips`` hips of two surgeons, every one ending with ``outcome``."""
    whole = cohort(groups=2, hips=max(hips, 1))
    chosen = np.arange(hips)
    at = whole.years[chosen] if years is None else np.full(hips, years)
    return replace(
        whole,
        procedure=Category.of(["bhr"] * hips),
        sex=Category.of(["female"] * hips),
        diagnosis=Category.of([None] * hips),
        surgeon=Category.of(["Ann"] * (hips // 2) + ["Ben"] * (hips - hips // 2)),
        unit=Category.of(["Riverside"] * hips),
        age=whole.age[chosen],
        head_size_mm=whole.head_size_mm[chosen],
        operation_year=whole.operation_year[chosen],
        years=at,
        outcome=np.full(hips, outcome, dtype=np.int8),
    )


def _curves(figure: Figure) -> list[NDArray]:
    return [np.asarray(line.get_ydata()) for line in figure.axes[0].get_lines()]


@pytest.mark.parametrize("min_at_risk", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("by", [None, "surgeon"])
def test_twenty_hips_with_no_revision_draw_flat_at_100_percent(min_at_risk, by):
    """Issue 20: the demo's 20 patients, no revision, a low threshold: an IndexError."""
    analysis = analyse(_small(20), by=by, min_at_risk=min_at_risk)
    survival = drawn(plots.survival_figure(analysis))
    curves = _curves(survival)
    assert len(curves) == len(analysis.groups)
    assert all((curve == 1.0).all() for curve in curves)  # a flat line at 100%
    incidence = drawn(plots.incidence_figure(analysis))
    assert all((curve == 0.0).all() for curve in _curves(incidence))
    for figure in (survival, incidence):
        assert plots.render(figure, "svg").startswith(b"<?xml")


@pytest.mark.parametrize(
    ("small", "min_at_risk"),
    [
        (_small(1), 1),  # one hip, censored
        (_small(1, outcome=1), 1),  # one hip, revised
        (_small(1, outcome=2), 1),  # one hip, died
        (_small(5, years=0.0), 1),  # operated today: a curve of no length
        (_small(20), 40),  # the curve truncated to nothing
        (_small(0), 1),  # no hips at all
    ],
    ids=["one-hip", "one-revised", "one-died", "no-follow-up", "truncated", "empty"],
)
def test_one_hip_or_a_curve_truncated_to_nothing_draws(small, min_at_risk):
    analysis = analyse(small, min_at_risk=min_at_risk)
    for draw in (plots.survival_figure, plots.incidence_figure):
        figure = drawn(draw(analysis))
        notes = [t.get_text() for t in figure.axes[0].texts]
        assert _curves(figure) or notes == ["Too few hips remain at risk to draw a curve"]
        assert plots.render(figure, "png")[:4] == b"\x89PNG"


def test_a_curve_with_no_steps_reads_its_initial_value_everywhere():
    grid = np.linspace(0, 10, 5)
    empty = np.array([], dtype=np.float64)
    assert list(plots._steps(empty, empty, grid, 1.0)) == [1.0] * 5
    assert list(plots._steps(empty, empty, grid, 0.0)) == [0.0] * 5
