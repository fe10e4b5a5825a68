"""`coxa synth registry` and `coxa analytics`: the estimates recover the known truth."""

import csv
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from coxa.analytics.survival import cumulative_incidence, kaplan_meier
from coxa.analytics.synthetic import registry


def test_the_same_seed_gives_the_same_extract():
    first, second = registry(500, seed=3), registry(500, seed=3)
    assert np.array_equal(first.years, second.years)
    assert not np.array_equal(first.years, registry(500, seed=4).years)


def test_the_commands_write_the_documented_tables(tmp_path):
    extract = tmp_path / "extract.csv"
    call_command(
        "synth",
        "registry",
        "--hips",
        "3000",
        "--seed",
        "5",
        "--out",
        str(extract),
        stdout=StringIO(),
    )
    call_command(
        "analytics",
        "survival",
        "--input",
        str(extract),
        "--by",
        "procedure",
        "--out",
        str(tmp_path),
        stdout=StringIO(),
    )
    call_command(
        "analytics", "incidence", "--input", str(extract), "--out", str(tmp_path), stdout=StringIO()
    )
    with (tmp_path / "survival.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["group", "time", "at_risk", "events", "survival", "lower", "upper"]
    assert {r["group"] for r in rows} == {"bhr", "core-decompression", "total-hip-replacement"}
    with (tmp_path / "incidence.csv").open() as handle:
        assert next(csv.reader(handle)) == ["group", "time", "incidence", "lower", "upper"]


def test_a_bad_extract_is_refused_naming_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "hip_id,procedure,sex,age,head_size_mm,diagnosis,surgeon,unit,operation_date,"
        "years,outcome\nH1,bhr,male,50,52,osteoarthritis,S1,U1,2020-01-01,3.0,7\n"
    )
    with pytest.raises(CommandError, match="row 2"):
        call_command("analytics", "survival", "--input", str(bad), "--out", str(tmp_path))


def test_the_estimates_recover_the_true_values():
    extract = registry(60_000, seed=11)
    chosen = extract.procedure == "total-hip-replacement"
    r = 0.004  # the documented revision hazard for hip replacement
    km = kaplan_meier(extract.years[chosen], extract.outcome[chosen] == 1)
    assert km.at(10) == pytest.approx(np.exp(-r * 10), abs=0.004)
    young = chosen & (extract.age < 50)
    d = 0.002
    cif = cumulative_incidence(extract.years[young], extract.outcome[young], event=1)
    truth = r / (r + d) * (1 - np.exp(-(r + d) * 10))
    assert cif.at(10) == pytest.approx(truth, abs=0.02)


def test_95_percent_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(2)
    hazard, t, covered, trials = 0.05, 5.0, 0, 300
    truth = np.exp(-hazard * t)
    for _ in range(trials):
        failed_at = rng.exponential(1 / hazard, 400)
        censored_at = rng.uniform(0, 15, 400)
        curve = kaplan_meier(np.minimum(failed_at, censored_at), failed_at <= censored_at)
        index = np.searchsorted(curve.times, t, side="right") - 1
        covered += bool(curve.lower[index] <= truth <= curve.upper[index])
    assert 0.92 <= covered / trials <= 0.98
