"""Cohort columns, bands and filters (pure)."""

import numpy as np
import pytest

from coxa.analytics.cohort import NOT_RECORDED, Category, Cohort, Filter


def cohort(**overrides):
    n = 6
    columns = {
        "procedure": Category.of(["bhr", "bhr", "core-decompression", None, "bhr", "bhr"]),
        "sex": Category.of(["male", "female", "male", "female", "male", "female"]),
        "diagnosis": Category.of([None] * n),
        "surgeon": Category.of(["S1", "S2", "S1", "S2", "S1", "S2"]),
        "unit": Category.of(["U"] * n),
        "age": np.array([54.0, 55, 64, 65, 74, 75]),
        "head_size_mm": np.array([48.0, 50, np.nan, 46, 52, 49.9]),
        "operation_year": np.array([2010, 2011, 2012, 2013, 2014, 2015], dtype=np.int32),
        "years": np.arange(n, dtype=np.float64),
        "outcome": np.zeros(n, dtype=np.int8),
    }
    return Cohort(**(columns | overrides))


def test_labels_are_sorted_and_missing_values_are_not_recorded():
    category = Category.of(["b", None, "a", "", "b"])
    assert category.labels == ("a", "b")
    assert category.codes.tolist() == [1, -1, 0, -1, 1]
    assert category.present() == [(0, "a"), (1, "b"), (-1, NOT_RECORDED)]


def test_age_bands_at_their_edges():
    bands = cohort().category("age_band")
    assert [bands.label(c) for c in bands.codes] == [
        "under 55",
        "55 to 64",
        "55 to 64",
        "65 to 74",
        "65 to 74",
        "75 and over",
    ]


def test_head_bands_at_their_edge_and_unknown_heads_are_not_recorded():
    bands = cohort().category("head_band")
    assert [bands.label(c) for c in bands.codes] == [
        "under 50 mm",
        "50 mm or more",
        NOT_RECORDED,
        "under 50 mm",
        "50 mm or more",
        "under 50 mm",
    ]


def test_filters_combine_and_describe_themselves():
    chosen = Filter(procedure=frozenset({"bhr"}), sex=frozenset({"female"}), operated_from=2012)
    kept = chosen.apply(cohort())
    assert kept.years.tolist() == [5.0]
    assert chosen.describe() == "procedure: bhr; sex: female; operated: 2012 to any"
    assert Filter().describe() == "all hips"


def test_a_filter_can_ask_for_unrecorded_values():
    kept = Filter(procedure=frozenset({NOT_RECORDED})).apply(cohort())
    assert kept.years.tolist() == [3.0]
    kept = Filter(head_band=frozenset({NOT_RECORDED})).apply(cohort())
    assert kept.years.tolist() == [2.0]


def test_years_bound_both_ways_inclusive():
    kept = Filter(operated_from=2011, operated_to=2013).apply(cohort())
    assert kept.operation_year.tolist() == [2011, 2012, 2013]


def test_grouping_by_an_unknown_column_is_refused():
    with pytest.raises(ValueError, match="cannot group by 'colour'"):
        cohort().category("colour")
