"""bench/analytics.py reports the peak memory of the report's own process (issue 20).

Linux carries a parent's peak resident memory over the fork and exec into the child's
``ru_maxrss``: the report read as the benchmark's parent (about 2,300 MB, whatever the report
used) until it read its own high-water mark. No timing is asserted here.
"""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analytics.py"
HELD_MB = 1024  # more than a report of a thousand hips takes (about 340 MB)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_report_child_reports_its_own_peak_not_its_parents(tmp_path):
    pytest.importorskip("pyarrow")  # the analytics extra
    from coxa.analytics.extract import table_of, write_extract
    from coxa.analytics.synthetic import registry

    extract = tmp_path / "extract.parquet"
    write_extract(table_of(registry(1_000, seed=1)), extract)
    held = b"\x01" * (HELD_MB * 1024 * 1024)  # resident: this process's peak is above it
    done = subprocess.run(
        [sys.executable, str(BENCH), "--report-child", str(extract), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    del held
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    peak_mb = float(line.split()[2])
    assert 50 < peak_mb < HELD_MB  # the child's own, not the parent's
    assert (tmp_path / "out" / "report.html").exists()
