"""A synthetic registry extract whose true hazards are known. Pure numpy.

Each hip's revision and death times are exponential, so the truth has closed forms:
net revision-free survival S(t) = exp(-r t); cumulative incidence of revision with death
competing F(t) = r/(r+d) * (1 - exp(-(r+d) t)). Follow-up ends uniformly over 0-15 years.

Yearly revision hazard r (synthetic; chosen to resemble the ordering registries report, not
their values): 0.004 for hip replacement; for resurfacing 0.006 in men with heads of 50 mm or
more, 0.012 in men with smaller heads, 0.020 in women; 0.050 (conversion) after core
decompression. Yearly death hazard d: 0.002 under 50, 0.008 from 50 to 69, 0.03 from 70.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

COLUMNS = (
    "hip_id",
    "procedure",
    "sex",
    "age",
    "head_size_mm",
    "diagnosis",
    "surgeon",
    "unit",
    "operation_date",
    "years",
    "outcome",
)
FOLLOW_UP_YEARS = 15.0
# Invented names, so the pages read as they would with a service's own surgeons and units.
SURGEONS = tuple(
    f"{title} {name}"
    for title, name in zip(
        ("Ms", "Mr") * 20,
        (
            "Adeyemi", "Brennan", "Chowdhury", "Dalton", "Ellis", "Farouk", "Gallagher",
            "Hughes", "Iqbal", "Jensen", "Kowalski", "Lindqvist", "Mensah", "Nakamura",
            "Okonjo", "Patel", "Quinn", "Rossi", "Sandhu", "Thornton", "Usman", "Varga",
            "Whitfield", "Xu", "Yilmaz", "Zielinski", "Ahmed", "Byrne", "Castell", "Doyle",
            "Evans", "Fischer", "Grant", "Hale", "Ito", "Joshi", "Keane", "Lowe", "Moreau",
            "Novak",
        ),
        strict=True,
    )
)  # fmt: skip
UNITS = ("Northgate", "Riverside", "St Anne's", "Westfield", "Hillcrest")
_EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Extract:
    """One row per hip; ``years`` to the first of revision, death or end of follow-up."""

    hip_id: NDArray[np.str_]
    procedure: NDArray[np.str_]
    sex: NDArray[np.str_]
    age: NDArray[np.int64]
    head_size_mm: NDArray[np.float64]
    diagnosis: NDArray[np.str_]
    surgeon: NDArray[np.str_]
    unit: NDArray[np.str_]
    operation_date: NDArray[np.datetime64]
    years: NDArray[np.float64]
    outcome: NDArray[np.int64]
    revision_hazard: NDArray[np.float64]  # the truth, kept for checking (not written out)
    death_hazard: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.years.size)


def revision_hazard(
    procedure: NDArray[np.str_], sex: NDArray[np.str_], head: NDArray[np.float64]
) -> NDArray[np.float64]:
    rate = np.full(procedure.size, 0.004)
    bhr = procedure == "bhr"
    rate[bhr & (sex == "male") & (head >= 50)] = 0.006  # noqa: PLR2004
    rate[bhr & (sex == "male") & (head < 50)] = 0.012  # noqa: PLR2004
    rate[bhr & (sex == "female")] = 0.020
    rate[procedure == "core-decompression"] = 0.050
    return rate


def death_hazard(age: NDArray[np.int64]) -> NDArray[np.float64]:
    return np.where(age < 50, 0.002, np.where(age < 70, 0.008, 0.03))  # noqa: PLR2004


def registry(hips: int, *, seed: int) -> Extract:
    """``hips`` synthetic hips; the same seed gives the same extract."""
    rng = np.random.default_rng(seed)
    procedure = rng.choice(
        np.array(["bhr", "core-decompression", "total-hip-replacement"]), hips, p=[0.3, 0.1, 0.6]
    )
    sex = rng.choice(np.array(["male", "female"]), hips, p=[0.6, 0.4])
    age = np.clip(
        rng.normal(np.where(procedure == "total-hip-replacement", 68, 48), 9), 18, 95
    ).astype(np.int64)
    head = np.where(
        procedure == "core-decompression",
        np.nan,
        rng.choice(np.arange(40, 60, 2), hips).astype(np.float64),
    )
    diagnosis = np.where(
        procedure == "core-decompression",
        "avascular-necrosis",
        rng.choice(
            np.array(["osteoarthritis", "avascular-necrosis", "dysplasia"]),
            hips,
            p=[0.85, 0.1, 0.05],
        ),
    )
    revision, death = revision_hazard(procedure, sex, head), death_hazard(age)
    revised_at = rng.exponential(1 / revision)
    died_at = rng.exponential(1 / death)
    ends_at = rng.uniform(0, FOLLOW_UP_YEARS, hips)
    years = np.minimum(np.minimum(revised_at, died_at), ends_at)
    outcome = np.where(years == revised_at, 1, np.where(years == died_at, 2, 0)).astype(np.int64)
    closed = dt.date(2026, 1, 1).toordinal()  # the extract's close date: follow-up ends here
    operated = closed - np.round(ends_at * 365.25).astype(int)
    return Extract(
        hip_id=np.char.add("H", np.arange(hips).astype(str)),
        procedure=procedure,
        sex=sex,
        age=age,
        head_size_mm=head,
        diagnosis=diagnosis,
        surgeon=np.array(SURGEONS)[rng.integers(0, len(SURGEONS), hips)],
        unit=np.array(UNITS)[rng.integers(0, len(UNITS), hips)],
        operation_date=(operated - _EPOCH).astype("datetime64[D]"),
        years=np.round(years, 4).astype(np.float64),
        outcome=outcome,
        revision_hazard=revision,
        death_hazard=death,
    )
