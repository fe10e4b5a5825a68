"""Importing the settings writes nothing (a read-only image can load them); Coxa makes the
folders it writes under COXA_VAR_DIR when it starts (issue 18)."""

import os
import subprocess
import sys
from pathlib import Path


def _in_a_fresh_process(code: str, var: Path, **variables: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COXA_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean
        | {
            "COXA_DEBUG": "true",
            "COXA_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
        }
        | variables,
        capture_output=True,
        text=True,
        check=False,
    )


def test_importing_the_settings_makes_no_folder(tmp_path):
    var = tmp_path / "var"  # not there yet
    done = _in_a_fresh_process("import coxa.config.settings", var)
    assert done.returncode == 0, done.stderr
    assert not var.exists()


def _unmakeable(tmp_path: Path) -> Path:
    """A folder no one can make, root included: its parent is a file (as on an image whose
    COXA_VAR_DIR was not given a writable volume)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    return blocker / "var"


def test_the_settings_load_when_nothing_may_be_written(tmp_path):
    done = _in_a_fresh_process("import coxa.config.settings", _unmakeable(tmp_path))
    assert done.returncode == 0, done.stderr


def test_coxa_makes_its_folders_when_it_starts(tmp_path):
    var = tmp_path / "var"
    done = _in_a_fresh_process("import django; django.setup()", var)
    assert done.returncode == 0, done.stderr
    assert (var / "static").is_dir()  # the static files' root
    assert var.is_dir()  # the SQLite database's folder (var/coxa.sqlite3 by default)


def test_a_folder_that_cannot_be_made_is_reported_not_raised(tmp_path):
    done = _in_a_fresh_process("import django; django.setup()", _unmakeable(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "could not make" in done.stderr


def test_static_files_may_live_outside_the_var_folder(tmp_path):
    # A container image collects them at build time, outside the volume at COXA_VAR_DIR.
    static = tmp_path / "image" / "static"
    static.mkdir(parents=True)
    static.chmod(0o555)  # read-only, as in the image
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.STATIC_ROOT)"
    )
    try:
        done = _in_a_fresh_process(code, tmp_path / "var", COXA_STATIC_ROOT=str(static))
    finally:
        static.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(static)
    assert "could not make" not in done.stderr
    assert not (tmp_path / "var" / "static").exists()


def test_static_files_default_to_the_var_folder(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.STATIC_ROOT)"
    )
    done = _in_a_fresh_process(code, tmp_path / "var", COXA_STATIC_ROOT="")
    assert done.stdout.strip() == str(tmp_path / "var" / "static")
