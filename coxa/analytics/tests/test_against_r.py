"""Cross-checks against R's survival package, in their own run (`make test-r`).

Skipped where R or its survival package is missing. Kaplan-Meier estimates and log-log
bounds, the Aalen-Johansen estimates and the log-rank statistic must agree to 1e-9. R's
multi-state bounds use an infinitesimal-jackknife variance, not the delta-method variance
Coxa and lifelines use, so those bounds are not compared here (lifelines checks them).
"""

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from coxa.analytics.methods import logrank
from coxa.analytics.survival import cumulative_incidence, kaplan_meier

pytestmark = pytest.mark.r

SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
km <- survfit(Surv(time, outcome == 1) ~ 1, data = d, conf.type = "log-log")
k <- km$n.event > 0
write.csv(data.frame(time = km$time[k], at_risk = km$n.risk[k], events = km$n.event[k],
                     surv = km$surv[k], lower = km$lower[k], upper = km$upper[k]),
          args[2], row.names = FALSE)
aj <- survfit(Surv(time, factor(outcome, 0:2)) ~ 1, data = d)
write.csv(data.frame(time = aj$time, incidence = aj$pstate[, 2]), args[3], row.names = FALSE)
lr <- survdiff(Surv(time, outcome == 1) ~ group, data = d)
write.csv(data.frame(chisq = lr$chisq), args[4], row.names = FALSE)
"""


def r_available() -> bool:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return False
    found = subprocess.run(
        [rscript, "-e", "library(survival)"], capture_output=True, check=False, timeout=60
    )
    return found.returncode == 0


def read(path: Path) -> dict[str, np.ndarray]:
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    return {name: np.array([float(r[name]) for r in rows]) for name in rows[0]}


@pytest.mark.skipif(not r_available(), reason="R with the survival package is not installed")
@pytest.mark.parametrize("whole_days", [True, False])
def test_coxa_agrees_with_r_survival(tmp_path, whole_days):
    rng = np.random.default_rng(12)
    n = 4_000
    group = rng.integers(0, 3, n)
    revised_at = rng.exponential(20 / (1 + group), n)
    died_at, ends_at = rng.exponential(30, n), rng.uniform(0, 15, n)
    years = np.minimum(np.minimum(revised_at, died_at), ends_at)
    outcome = np.where(years == revised_at, 1, np.where(years == died_at, 2, 0))
    time = np.ceil(years * 365.25).astype(np.int64) if whole_days else years.round(3)
    data = tmp_path / "data.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time", "outcome", "group"])
        writer.writerows(zip(time.tolist(), outcome.tolist(), group.tolist(), strict=True))
    outputs = [tmp_path / f"{name}.csv" for name in ("km", "aj", "lr")]
    script = tmp_path / "check.R"
    script.write_text(SCRIPT)
    subprocess.run(
        [shutil.which("Rscript") or "Rscript", str(script), str(data), *map(str, outputs)],
        check=True,
        timeout=120,
    )
    r_km, r_aj, r_lr = (read(p) for p in outputs)

    km = kaplan_meier(time, outcome == 1)
    assert np.array_equal(km.times, r_km["time"])
    assert np.array_equal(km.at_risk, r_km["at_risk"])
    assert np.array_equal(km.events, r_km["events"])
    for ours, theirs in ((km.estimate, "surv"), (km.lower, "lower"), (km.upper, "upper")):
        assert np.allclose(ours, r_km[theirs], rtol=0, atol=1e-9)

    aj = cumulative_incidence(time, outcome, event=1)
    at = np.searchsorted(r_aj["time"], aj.times)
    assert np.array_equal(r_aj["time"][at], aj.times)
    assert np.allclose(aj.estimate, r_aj["incidence"][at], rtol=0, atol=1e-9)

    compared = logrank(time, outcome == 1, group)
    assert compared is not None
    assert compared.statistic == pytest.approx(r_lr["chisq"][0], rel=1e-9)
