"""Reading and writing registry extracts (CSV), checked column by column.

One row per hip: hip_id, procedure, sex, age, head_size_mm, diagnosis, surgeon, unit,
operation_date, years, outcome (0 censored, 1 revised, 2 died). See docs/analytics/extract.md.
"""

import csv
from pathlib import Path

import numpy as np

from coxa.analytics.synthetic import COLUMNS, Extract


class ExtractError(ValueError):
    """The file is not a valid extract; the message names the row and column."""


def write_csv(extract: Extract, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        head = np.where(np.isnan(extract.head_size_mm), "", extract.head_size_mm.astype(str))
        writer.writerows(
            zip(
                extract.hip_id,
                extract.procedure,
                extract.sex,
                extract.age,
                head,
                extract.diagnosis,
                extract.surgeon,
                extract.unit,
                extract.operation_date,
                extract.years,
                extract.outcome,
                strict=True,
            )
        )


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """The extract's columns as arrays; raises ExtractError naming the first bad cell."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise ExtractError(f"{path}: the header must be {','.join(COLUMNS)}")
        rows = list(reader)
    columns = {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
    try:
        years = np.array(columns["years"], dtype=np.float64)
        outcome = np.array(columns["outcome"], dtype=np.int64)
    except ValueError as error:
        raise ExtractError(f"{path}: years and outcome must be numbers ({error})") from None
    bad = np.flatnonzero((years < 0) | ~np.isfinite(years) | ~np.isin(outcome, (0, 1, 2)))
    if bad.size:
        raise ExtractError(
            f"{path}: row {bad[0] + 2}: years must be 0 or more and outcome 0, 1 or 2"
        )
    result: dict[str, np.ndarray] = {name: np.array(values) for name, values in columns.items()}
    result["years"], result["outcome"] = years, outcome
    return result
