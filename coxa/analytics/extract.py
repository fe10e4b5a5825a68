"""Registry extracts (CSV or Parquet, one row per hip), read and written with pyarrow.

Columns: hip_id, procedure, sex, age, head_size_mm, diagnosis, surgeon, unit,
operation_date, years, outcome (0 censored, 1 revised, 2 died). docs/analytics/extract.md.
Every value is checked; the first bad one is named by its line (CSV) or row (Parquet) and
its column. Text columns are read straight into dictionary codes, so five million hips fit
in a few hundred megabytes.
"""

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from coxa.analytics.choices import CATEGORIES
from coxa.analytics.cohort import Category, Cohort
from coxa.analytics.synthetic import COLUMNS, Extract
from coxa.core.files import atomic_write

TEXT = pa.dictionary(pa.int32(), pa.string())
TYPES: dict[str, pa.DataType] = {
    "hip_id": pa.string(),
    "procedure": TEXT,
    "sex": TEXT,
    "age": pa.float64(),
    "head_size_mm": pa.float64(),
    "diagnosis": TEXT,
    "surgeon": TEXT,
    "unit": TEXT,
    "operation_date": pa.date32(),
    "years": pa.float64(),
    "outcome": pa.int8(),
}
REQUIRED = ("hip_id", "procedure", "sex", "age", "operation_date", "years", "outcome")
MAX_AGE = 120


class ExtractError(ValueError):
    """The file is not a valid extract; the message names the line or row and the column."""


def table_of(extract: Extract) -> pa.Table:
    """The synthetic extract as a table (the truth columns left out)."""
    head = extract.head_size_mm
    return pa.table(
        {
            "hip_id": extract.hip_id,
            "procedure": extract.procedure,
            "sex": extract.sex,
            "age": extract.age,
            "head_size_mm": pa.array(head, mask=np.isnan(head)),
            "diagnosis": extract.diagnosis,
            "surgeon": extract.surgeon,
            "unit": extract.unit,
            "operation_date": pa.array(extract.operation_date, type=pa.date32()),
            "years": extract.years,
            "outcome": extract.outcome.astype(np.int8),
        }
    )


def table_of_rows(rows: Mapping[str, Sequence[Any]]) -> pa.Table:
    """A table from Python lists, one per column (the database extract)."""
    return pa.table({name: pa.array(rows[name], type=TYPES[name]) for name in COLUMNS})


def write_extract(table: pa.Table, path: Path) -> None:
    """Write ``table`` as CSV or Parquet by the file's suffix: all of it, or nothing."""
    if path.suffix not in (".csv", ".parquet"):
        raise ExtractError(f"{path}: name the file .csv or .parquet")
    with atomic_write(path) as handle:
        if path.suffix == ".parquet":
            pq.write_table(table, handle)
        else:
            write_csv(table, handle)


class Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...


def write_csv(table: pa.Table, handle: Writable) -> None:
    """The table as CSV: a plain header, then rows (pseudonyms and codes need no quoting)."""
    plain = table.cast(
        pa.schema([(f.name, pa.string() if f.type == TEXT else f.type) for f in table.schema])
    )
    handle.write((",".join(table.column_names) + "\n").encode())
    pacsv.write_csv(plain, handle, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def read_extract(path: Path) -> Cohort:
    """The extract as a checked cohort; raises ExtractError naming the first bad value."""
    if path.suffix not in (".csv", ".parquet"):
        raise ExtractError(f"{path}: an extract is a .csv or .parquet file")
    try:
        return _parquet(path) if path.suffix == ".parquet" else _csv(path)
    finally:
        # pyarrow's allocator keeps what reading used (a third of a GB at five million hips)
        # for its next read: give it back for the analysis that follows.
        pa.default_memory_pool().release_unused()


def _csv(path: Path) -> Cohort:
    with path.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    if tuple(header) != COLUMNS:
        raise ExtractError(f"{path}: the header must be {','.join(COLUMNS)}")
    options = pacsv.ConvertOptions(
        column_types=TYPES, strings_can_be_null=True, include_columns=list(COLUMNS[1:])
    )
    try:
        table = pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid:
        raise ExtractError(_first_unreadable(path)) from None
    return cohort_of(table, where=lambda row: f"{path}: line {row + 2}")


def _first_unreadable(path: Path) -> str:
    """Read again as text to name the first value that is not of its column's type."""
    plain = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string())),
    )
    for name in ("age", "head_size_mm", "operation_date", "years", "outcome"):
        kind = TYPES[name]
        for row, value in enumerate(plain.column(name).to_pylist()):
            if value in (None, ""):
                continue
            try:
                pa.scalar(value).cast(kind)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                wanted = "an ISO date" if name == "operation_date" else "a number"
                return f"{path}: line {row + 2}: {name} must be {wanted}, not {value!r}"
    return f"{path}: the file could not be read as CSV"


def _parquet(path: Path) -> Cohort:
    try:
        missing = [c for c in COLUMNS if c not in pq.read_schema(path).names]
        table = None if missing else _columns(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise ExtractError(f"{path}: not a Parquet file ({error})") from None
    if table is None:
        raise ExtractError(f"{path}: missing columns {', '.join(missing)}")
    try:
        table = table.cast(pa.schema([(c, TYPES[c]) for c in COLUMNS[1:]]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ExtractError(f"{path}: a column has the wrong type ({error})") from None
    return cohort_of(table, where=lambda row: f"{path}: row {row + 1}")


def _columns(path: Path) -> pa.Table:
    """The columns a cohort holds, text as dictionary codes (as from CSV).

    Never the hips' ids (a string each), nor text as a string a cell. ParquetFile, not
    read_table, which imports pyarrow.dataset (a second on its own).
    """
    with pq.ParquetFile(path, read_dictionary=CATEGORIES) as source:
        return source.read(columns=list(COLUMNS[1:]))


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def cohort_of(table: pa.Table, *, where: Any = lambda row: f"row {row + 1}") -> Cohort:
    """Check every value and build the cohort; ``where(row)`` names a row in errors."""
    for name in REQUIRED[1:]:
        nulls = table.column(name).is_null()
        if pc.any(nulls).as_py():
            row = int(np.flatnonzero(nulls.to_numpy(zero_copy_only=False))[0])
            raise ExtractError(f"{where(row)}: {name} is required")
    years = _numbers(table, "years")
    outcome = table.column("outcome").to_numpy().astype(np.int8)
    age = _numbers(table, "age")
    head = _numbers(table, "head_size_mm")
    checks = (
        ("years", ~np.isfinite(years) | (years < 0), "must be 0 or more"),
        ("outcome", (outcome < 0) | (outcome > 2), "must be 0, 1 or 2"),  # noqa: PLR2004
        ("age", (age < 0) | (age > MAX_AGE), f"must be 0 to {MAX_AGE}"),
        ("head_size_mm", head <= 0, "must be more than 0 when given"),
    )
    for name, bad, reason in checks:
        found = np.flatnonzero(bad)
        if found.size:
            raise ExtractError(f"{where(int(found[0]))}: {name} {reason}")
    category = {name: _category(table.column(name)) for name in CATEGORIES}
    for name in ("procedure", "sex"):
        empty = np.flatnonzero(category[name].codes < 0)  # an empty text (nulls named above)
        if empty.size:
            raise ExtractError(f"{where(int(empty[0]))}: {name} is required")
    operated = table.column("operation_date")
    return Cohort(
        procedure=category["procedure"],
        sex=category["sex"],
        diagnosis=category["diagnosis"],
        surgeon=category["surgeon"],
        unit=category["unit"],
        age=age,
        head_size_mm=head,
        operation_year=pc.year(operated).to_numpy(zero_copy_only=False).astype(np.int32),
        years=years,
        outcome=outcome,
    )


def _category(column: pa.ChunkedArray) -> Category:
    if column.type != TEXT:
        column = column.cast(TEXT)
    if len(column) == 0:
        return Category(np.zeros(0, dtype=np.int32), ())
    combined = pa.table({"c": column}).unify_dictionaries().column("c").combine_chunks()
    labels = combined.dictionary.to_pylist()
    indices = combined.indices.fill_null(-1) if combined.null_count else combined.indices
    codes = indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    # Sort the labels and drop empty strings, so codes compare across files.
    order = sorted((label, i) for i, label in enumerate(labels) if label)
    if [i for _, i in order] == list(range(len(labels))):
        return Category(codes, tuple(labels))  # sorted already, none empty: as they are
    remap = np.full(len(labels) + 1, -1, dtype=np.int32)
    for new, (_, old) in enumerate(order):
        remap[old] = new
    return Category(remap[codes], tuple(label for label, _ in order))
