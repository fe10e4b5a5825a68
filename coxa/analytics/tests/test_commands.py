"""`coxa synth registry` and `coxa analytics`: the estimates recover the known truth."""

import csv
import json
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
    with pytest.raises(CommandError, match="line 2: outcome must be 0, 1 or 2"):
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


def test_cumulative_incidence_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    r, d, t, covered, trials = 0.04, 0.03, 5.0, 0, 300
    truth = r / (r + d) * (1 - np.exp(-(r + d) * t))
    for _ in range(trials):
        revised_at, died_at = rng.exponential(1 / r, 400), rng.exponential(1 / d, 400)
        ends_at = rng.uniform(0, 15, 400)
        years = np.minimum(np.minimum(revised_at, died_at), ends_at)
        outcome = np.where(years == revised_at, 1, np.where(years == died_at, 2, 0))
        curve = cumulative_incidence(years, outcome, event=1)
        index = np.searchsorted(curve.times, t, side="right") - 1
        covered += bool(curve.lower[index] <= truth <= curve.upper[index])
    assert 0.92 <= covered / trials <= 0.98


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_report_writes_every_table_plot_and_a_self_contained_page(tmp_path):
    extract = tmp_path / "extract.parquet"
    run("synth", "registry", "--hips", "4000", "--seed", "2", "--out", str(extract))
    out = tmp_path / "report"
    said = run("analytics", "report", "--input", str(extract), "--by", "sex", "--out", str(out))
    assert "4,000 hips from extract.parquet" in said
    names = {p.name for p in out.iterdir()}
    assert names == {
        "survival.csv",
        "incidence.csv",
        "milestones.csv",
        "rates.csv",
        "funnel_surgeon.csv",
        "funnel_unit.csv",
        "summary.json",
        "report.html",
        *(
            f"{p}.{f}"
            for p in ("survival", "incidence", "funnel_surgeon", "funnel_unit")
            for f in ("svg", "png")
        ),
    }
    html = (out / "report.html").read_text()
    assert "<svg" in html
    assert "Number at risk" in html
    assert "src=" not in html
    assert "<link" not in html  # nothing is fetched: styles and plots are inline
    assert "H1," not in html  # no hip ids
    assert (out / "survival.png").read_bytes()[:4] == b"\x89PNG"
    with (out / "milestones.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["group"] for r in rows} == {"female", "male"}
    assert [r["years"] for r in rows[:5]] == ["1", "3", "5", "10", "15"]
    assert rows[4]["revised_percent"] == ""  # at 15 years too few remain at risk


def test_filters_narrow_the_cohort_and_funnel_names_its_files(tmp_path):
    extract = tmp_path / "extract.csv"
    run("synth", "registry", "--hips", "3000", "--seed", "3", "--out", str(extract))
    said = run(
        "analytics",
        "funnel",
        "--input",
        str(extract),
        "--procedure",
        "bhr",
        "--sex",
        "female",
        "--operated-from",
        "2015",
        "--plots",
        "svg",
        "--out",
        str(tmp_path / "f"),
    )
    kept = said.split(" hips")[0]
    assert 0 < int(kept.replace(",", "")) < 3000
    assert {p.name for p in (tmp_path / "f").iterdir()} == {
        "funnel_surgeon.csv",
        "funnel_unit.csv",
        "funnel_surgeon.svg",
        "funnel_unit.svg",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--plots", "gif"), "--plots takes svg, png, both or none"),
        (("--min-at-risk", "0"), "--min-at-risk must be at least 1"),
        (("--operated-from", "2020", "--operated-to", "2010"), "--operated-from is after"),
        (("--close", "2020-01-01"), "--close applies to Coxa's records"),
    ],
)
def test_bad_options_are_refused_by_name(tmp_path, args, message):
    extract = tmp_path / "extract.csv"
    run("synth", "registry", "--hips", "50", "--out", str(extract))
    with pytest.raises(CommandError, match=message):
        run("analytics", "survival", "--input", str(extract), "--out", str(tmp_path), *args)


def test_synth_refuses_other_file_kinds(tmp_path):
    with pytest.raises(CommandError, match=r"\.csv or \.parquet"):
        run("synth", "registry", "--hips", "5", "--out", str(tmp_path / "x.json"))


HEADER = "hip_id,procedure,sex,age,head_size_mm,diagnosis,surgeon,unit,operation_date,years,outcome"


@pytest.mark.parametrize("by", [(), ("--by", "sex")])
@pytest.mark.parametrize("min_at_risk", ["1", "7"])
@pytest.mark.parametrize("hips", [1, 20])
def test_a_report_of_hips_with_no_revision_builds(tmp_path, hips, min_at_risk, by):
    """Issue 20: the demo's hips (none revised) with a low threshold failed with IndexError."""
    extract = tmp_path / "none-revised.csv"
    lines = [
        f"H{i},bhr,{('female', 'male')[i % 2]},50,50,osteoarthritis,S1,U1,2020-01-01,"
        f"{0.5 + i / 4},{2 if i == 3 else 0}"
        for i in range(hips)
    ]
    extract.write_text("\n".join([HEADER, *lines]) + "\n")
    out = tmp_path / "report"
    said = run(
        "analytics", "report", "--input", str(extract), "--min-at-risk", min_at_risk,
        "--plots", "svg", *by, "--out", str(out),
    )  # fmt: skip
    assert f"{hips} hips from none-revised.csv" in said
    html = (out / "report.html").read_text()
    assert "Revision-free survival" in html
    assert (out / "survival.svg").read_bytes().startswith(b"<?xml")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["revisions"] == 0
    assert summary["logrank"] is None  # no revision: nothing for the test to compare
