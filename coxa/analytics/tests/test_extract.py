"""Extract files: CSV and Parquet read the same, and every bad value is named."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coxa.analytics.extract import ExtractError, read_extract, table_of, write_extract
from coxa.analytics.synthetic import COLUMNS, registry

HEADER = ",".join(COLUMNS)
GOOD = "H1,bhr,male,50,52,osteoarthritis,S1,U1,2020-01-01,3.0,1"


def test_csv_and_parquet_round_trip_to_the_same_cohort(tmp_path):
    extract = registry(2_000, seed=8)
    for name in ("x.csv", "x.parquet"):
        write_extract(table_of(extract), tmp_path / name)
    from_csv, from_parquet = read_extract(tmp_path / "x.csv"), read_extract(tmp_path / "x.parquet")
    assert np.array_equal(from_csv.years, extract.years)
    assert np.array_equal(from_csv.outcome, extract.outcome)
    assert np.array_equal(from_csv.years, from_parquet.years)
    assert from_csv.surgeon.labels == from_parquet.surgeon.labels
    assert np.array_equal(from_csv.surgeon.codes, from_parquet.surgeon.codes)
    labels = np.array(from_csv.procedure.labels)[from_csv.procedure.codes]
    assert np.array_equal(labels, extract.procedure)
    assert np.array_equal(np.isnan(from_csv.head_size_mm), np.isnan(extract.head_size_mm))
    years = extract.operation_date.astype("datetime64[Y]").astype(int) + 1970
    assert np.array_equal(from_csv.operation_year, years)


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text("\n".join((header, *rows)) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.replace(",3.0,", ",three,"), "line 3: years must be a number, not 'three'"),
        (GOOD.replace("2020-01-01", "2020-13-01"), "line 3: operation_date must be an ISO date"),
        (GOOD[:-1] + "7", "line 3: outcome must be 0, 1 or 2"),
        (GOOD.replace(",3.0,", ",-1,"), "line 3: years must be 0 or more"),
        (GOOD.replace(",50,52,", ",,52,"), "line 3: age is required"),
        (GOOD.replace(",50,52,", ",150,52,"), "line 3: age must be 0 to 120"),
        (GOOD.replace(",52,", ",0,"), "line 3: head_size_mm must be more than 0"),
        (GOOD.replace(",male,", ",,"), "line 3: sex is required"),
    ],
)
def test_a_bad_value_is_named_by_line_and_column(tmp_path, row, message):
    with pytest.raises(ExtractError, match=message):
        read_extract(write(tmp_path, GOOD, row))


def test_a_wrong_header_is_refused(tmp_path):
    with pytest.raises(ExtractError, match="the header must be hip_id,procedure"):
        read_extract(write(tmp_path, GOOD, header=HEADER.replace("years", "days")))


def test_an_empty_head_size_is_allowed(tmp_path):
    cohort = read_extract(write(tmp_path, GOOD.replace(",52,", ",,")))
    assert np.isnan(cohort.head_size_mm[0])


def test_parquet_names_rows_and_missing_columns(tmp_path):
    table = table_of(registry(10, seed=1))
    path = tmp_path / "x.parquet"
    pq.write_table(table.drop_columns(["unit"]), path)
    with pytest.raises(ExtractError, match="missing columns unit"):
        read_extract(path)
    outcome = pa.array([0] * 9 + [5], type=pa.int8())
    pq.write_table(table.set_column(10, "outcome", outcome), path)
    with pytest.raises(ExtractError, match="row 10: outcome must be 0, 1 or 2"):
        read_extract(path)


def test_other_file_kinds_are_refused(tmp_path):
    with pytest.raises(ExtractError, match=r"\.csv or \.parquet"):
        read_extract(tmp_path / "extract.xlsx")
