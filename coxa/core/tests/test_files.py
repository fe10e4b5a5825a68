"""Atomic file writes: all of the new file, or the old one; never half of one."""

import os
import stat

import pytest

from coxa.core import files


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(files.TEMPORARY_SUFFIX))


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    files.write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert leftovers(tmp_path) == []


def test_a_write_that_fails_midway_leaves_the_previous_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_bytes(b"the whole previous table\n")

    def killed_midway():
        with files.atomic_write(target) as handle:
            handle.write(b"half of the n")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        killed_midway()
    assert target.read_bytes() == b"the whole previous table\n"
    assert leftovers(tmp_path) == []


def test_a_first_write_that_fails_leaves_no_file(tmp_path):
    target = tmp_path / "report.html"

    def interrupted():
        with files.atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write("<html>")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_an_empty_leftover_from_an_older_crash_is_rewritten(tmp_path):
    target = tmp_path / "extract.csv"
    target.touch()
    files.write_bytes(target, b"hip_id\n")
    assert target.read_bytes() == b"hip_id\n"


def test_the_bytes_reach_the_disk_before_the_name_moves(tmp_path, monkeypatch):
    order = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (order.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (order.append("replace"), real_replace(a, b))[1]
    )
    files.write_text(tmp_path / "summary.json", "{}\n")
    assert order[:2] == ["fsync", "replace"]


def test_an_existing_files_permissions_are_kept_and_a_new_one_gets_the_usual(tmp_path):
    kept = tmp_path / "kept.csv"
    kept.write_text("x")
    kept.chmod(0o640)
    files.write_text(kept, "y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.csv"
    files.write_text(fresh, "z")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_only_whole_file_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match="whole file"), files.atomic_write(tmp_path / "x", "a"):
        pass


def test_a_write_can_be_given_its_permissions(tmp_path):
    target = tmp_path / "private.bin"
    target.write_bytes(b"old")
    target.chmod(0o644)
    with files.atomic_write(target, permissions=0o600) as handle:
        handle.write(b"secret")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == b"secret"
