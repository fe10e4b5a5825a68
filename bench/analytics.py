"""Survival estimators at registry scale, beside their baselines in the same process.

Usage: python bench/analytics.py [--sizes 100000,1000000,5000000] [--lifelines-max N]

Synthetic hips in 5 groups: times in whole days (heavy ties) to 15 years; outcomes 0
censored, 1 revised, 2 died. For each size: one numpy argsort of the durations (the floor for
any method that sorts), Coxa's Kaplan-Meier with bounds, Coxa's Aalen-Johansen with variance,
and lifelines' KaplanMeierFitter and AalenJohansenFitter (variance on) where the size allows
(lifelines' Aalen-Johansen takes about 50 s at one million rows here). Median of 3 runs.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coxa.analytics.survival import cumulative_incidence, kaplan_meier


def synthetic(n, seed=42):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 5, n)
    revision = rng.exponential(40.0 / (1 + group * 0.3), n)
    death = rng.exponential(25.0, n)
    follow_up = rng.uniform(0, 15, n)
    years = np.minimum(np.minimum(revision, death), follow_up)
    outcome = np.where(years == follow_up, 0, np.where(years == revision, 1, 2))
    days = np.ceil(years * 365.25).astype(np.int64)  # registries count whole days
    return days, outcome


def timed(function, repeat=3):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument(
        "--lifelines-max",
        type=int,
        default=1_000_000,
        help="largest size for lifelines' Kaplan-Meier",
    )
    parser.add_argument(
        "--aj-lifelines-max",
        type=int,
        default=100_000,
        help="largest size for lifelines' Aalen-Johansen (slow)",
    )
    args = parser.parse_args()
    import lifelines

    print(
        f"{'hips':>10} {'argsort':>9} {'KM':>8} {'KM/sort':>8} {'AJ':>8} {'lifelines KM':>13} "
        f"{'x':>6} {'lifelines AJ':>13} {'x':>7}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        days, outcome = synthetic(n)
        sort = timed(lambda days=days: np.argsort(days))
        ours_km = timed(lambda days=days, outcome=outcome: kaplan_meier(days, outcome == 1))
        ours_aj = timed(lambda days=days, outcome=outcome: cumulative_incidence(days, outcome, 1))
        life_km = life_aj = None
        if n <= args.lifelines_max:
            life_km = timed(
                lambda days=days, outcome=outcome: lifelines.KaplanMeierFitter().fit(
                    days, outcome == 1
                ),
                repeat=1,
            )
        if n <= args.aj_lifelines_max:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                life_aj = timed(
                    lambda days=days, outcome=outcome: lifelines.AalenJohansenFitter(seed=1).fit(
                        days, outcome, event_of_interest=1
                    ),
                    repeat=1,
                )
        km_ratio = f"{life_km / ours_km:6.0f}" if life_km else "     -"
        aj_ratio = f"{life_aj / ours_aj:7.0f}" if life_aj else "      -"
        print(
            f"{n:>10,} {sort:9.4f} {ours_km:8.4f} {ours_km / sort:8.2f} {ours_aj:8.4f} "
            f"{(life_km or float('nan')):13.3f} {km_ratio} {(life_aj or float('nan')):13.2f} "
            f"{aj_ratio}"
        )
    print("seconds; x = lifelines' time over Coxa's at the same size")


if __name__ == "__main__":
    main()
