"""A killed extract or report write never leaves a truncated or empty file behind."""

from io import StringIO

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from coxa.analytics import extract as extract_module
from coxa.analytics import report
from coxa.analytics.extract import read_extract, table_of, write_extract
from coxa.analytics.synthetic import COLUMNS, registry


def killed_after_some_bytes(table, handle, *args, **kwargs):
    handle.write(b"H1,bhr,ma")
    raise MemoryError("killed midway")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_killed_extract_write_leaves_the_previous_extract(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"registry{suffix}"
    write_extract(table_of(registry(200, seed=1)), path)
    before = path.read_bytes()
    if suffix == ".csv":
        monkeypatch.setattr(extract_module.pacsv, "write_csv", killed_after_some_bytes)
    else:
        monkeypatch.setattr(pq, "write_table", killed_after_some_bytes)
    with pytest.raises(MemoryError):
        write_extract(table_of(registry(300, seed=2)), path)
    assert path.read_bytes() == before
    assert len(read_extract(path)) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.django_db
def test_an_empty_extract_left_by_an_older_crash_is_rewritten(tmp_path):
    path = tmp_path / "records.csv"
    path.touch()
    call_command("analytics", "extract", "--out", str(path), stdout=StringIO())
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)


def test_a_killed_report_leaves_the_previous_tables(tmp_path, monkeypatch):
    source = tmp_path / "registry.csv"
    write_extract(table_of(registry(2000, seed=3)), source)
    out = tmp_path / "out"
    run = ("analytics", "survival", "--input", str(source), "--out", str(out), "--plots", "none")
    call_command(*run, stdout=StringIO())
    before = (out / "survival.csv").read_bytes()
    monkeypatch.setattr(report.pacsv, "write_csv", killed_after_some_bytes)
    with pytest.raises(MemoryError):
        call_command(*run, stdout=StringIO())
    assert (out / "survival.csv").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["survival.csv"]
    assert pacsv.read_csv(out / "survival.csv").num_rows > 0
