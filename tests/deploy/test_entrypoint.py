"""deploy/entrypoint.sh: each command runs the right program, in its place (exec), or refuses.

The programs are fakes on PATH that print their arguments and process id, so the dispatch is
tested without Coxa, gunicorn or a database.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from coxa.core.jobs import NIGHTLY

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
EX_USAGE = 64
EX_CONFIG = 78
# Prints its name, its process id and each argument, separated by tabs.
FAKE = """#!/bin/sh
printf '%s\\t%s' "{name}" "$$"
for argument in "$@"; do printf '\\t%s' "$argument"; done
echo
case " $* " in *" ${{FAIL_ON:-none}} "*) exit 3 ;; esac
"""
PRODUCTION = {"COXA_SECRET_KEY": "a-long-secret-for-the-tests", "COXA_ALLOWED_HOSTS": "coxa.test"}


@pytest.fixture
def fakes(tmp_path):
    """A PATH whose coxa and gunicorn print what they were given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("coxa", "gunicorn"):
        fake = bin_dir / name
        fake.write_text(FAKE.format(name=name))
        fake.chmod(0o755)
    return bin_dir


def run(fakes, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{fakes}:/usr/bin:/bin", **environment}
    return subprocess.run(
        [str(ENTRYPOINT), *arguments], env=env, capture_output=True, text=True, check=False
    )


def said(done: subprocess.CompletedProcess[str]) -> list[list[str]]:
    """Each line a fake printed: its name and arguments, without its process id."""
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    return [[line[0], *line[2:]] for line in lines]


# ------------------------------------------------------------------ the script itself
def test_the_entrypoint_passes_shellcheck_or_at_least_bash():
    shellcheck = shutil.which("shellcheck")
    if shellcheck:
        done = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", str(ENTRYPOINT)],
            capture_output=True,
            text=True,
            check=False,
        )
    else:  # Debian's shellcheck package is not installed: the syntax at least
        done = subprocess.run(
            ["/bin/bash", "-n", str(ENTRYPOINT)], capture_output=True, text=True, check=False
        )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_entrypoint_is_strict_and_executable():
    text = ENTRYPOINT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(ENTRYPOINT, os.X_OK)


# ------------------------------------------------------------------ dispatch
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["worker"], ["coxa", "worker"]),
        (["worker", "--queue-name", "default"], ["coxa", "worker", "--queue-name", "default"]),
        (["scheduler"], ["coxa", "scheduler"]),
        (["migrate"], ["coxa", "migrate", "--no-input"]),
        (["migrate", "--plan"], ["coxa", "migrate", "--no-input", "--plan"]),
        (["manage", "backup", "--output", "/x y"], ["coxa", "backup", "--output", "/x y"]),
        (["manage", "check", "--deploy"], ["coxa", "check", "--deploy"]),
    ],
)
def test_each_command_runs_its_program_with_the_arguments_given(fakes, arguments, expected):
    done = run(fakes, *arguments)
    assert done.returncode == 0, done.stderr
    assert said(done) == [expected]


def test_web_runs_gunicorn_with_the_kits_configuration(fakes):
    done = run(fakes, "web", "--workers", "3", **PRODUCTION)
    assert done.returncode == 0, done.stderr
    config = str(ROOT / "deploy" / "gunicorn.conf.py")
    assert said(done) == [["gunicorn", "--config", config, "--workers", "3"]]


def test_the_program_takes_the_entrypoints_place_so_it_gets_the_signals(fakes):
    for arguments, environment in ((["web"], PRODUCTION), (["worker"], {}), (["manage", "x"], {})):
        env = {"PATH": f"{fakes}:/usr/bin:/bin", **environment}
        with subprocess.Popen(
            [str(ENTRYPOINT), *arguments], env=env, stdout=subprocess.PIPE, text=True
        ) as process:
            output, _ = process.communicate(timeout=30)
        assert int(output.split("\t")[1]) == process.pid, arguments


def test_manage_forwards_an_exit_code(fakes):
    done = run(fakes, "manage", "restore", "file", FAIL_ON="restore")
    assert done.returncode == 3


# ------------------------------------------------------------------ nightly
def test_nightly_runs_every_nightly_job_in_order(fakes):
    done = run(fakes, "nightly")
    assert done.returncode == 0, done.stderr
    assert said(done) == [["coxa", name] for name in NIGHTLY]


def test_a_nightly_job_that_fails_does_not_stop_the_next_but_fails_the_run(fakes):
    done = run(fakes, "nightly", FAIL_ON="refresh_readiness")
    assert said(done) == [["coxa", name] for name in NIGHTLY]
    assert done.returncode == 1
    assert "nightly jobs failed: refresh_readiness" in done.stderr


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    "arguments", [[], ["serve"], ["WEB"], ["manage"], ["nightly", "--now"], ["--web"]]
)
def test_an_unknown_or_incomplete_command_is_refused_with_the_usage(fakes, arguments):
    done = run(fakes, *arguments)
    assert done.returncode == EX_USAGE
    assert "usage: entrypoint.sh web | worker" in done.stderr
    assert done.stdout == ""


def test_help_prints_the_usage_and_runs_nothing(fakes):
    done = run(fakes, "--help")
    assert (done.returncode, done.stdout) == (0, "")
    assert "usage:" in done.stderr


@pytest.mark.parametrize("key", [None, "", "   "])
def test_web_refuses_to_start_in_production_without_a_secret_key(fakes, key):
    environment = {"COXA_ALLOWED_HOSTS": "coxa.test"}
    if key is not None:
        environment["COXA_SECRET_KEY"] = key
    done = run(fakes, "web", **environment)
    assert done.returncode == EX_CONFIG
    assert done.stdout == ""  # gunicorn never started
    assert "COXA_SECRET_KEY is not set" in done.stderr
    assert "COXA_DEBUG is off" in done.stderr


def test_web_refuses_without_host_names(fakes):
    done = run(fakes, "web", COXA_SECRET_KEY="a-long-secret-for-the-tests")
    assert (done.returncode, done.stdout) == (EX_CONFIG, "")
    assert "COXA_ALLOWED_HOSTS is not set" in done.stderr


def test_web_takes_the_key_from_a_file(fakes, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("a-long-secret-for-the-tests\n")
    done = run(fakes, "web", COXA_SECRET_KEY_FILE=str(key_file), COXA_ALLOWED_HOSTS="coxa.test")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("content", [None, ""])
def test_web_refuses_a_key_file_that_is_missing_or_empty(fakes, tmp_path, content):
    key_file = tmp_path / "key"
    if content is not None:
        key_file.write_text(content)
    done = run(fakes, "web", COXA_SECRET_KEY_FILE=str(key_file), COXA_ALLOWED_HOSTS="coxa.test")
    assert (done.returncode, done.stdout) == (EX_CONFIG, "")
    assert f"COXA_SECRET_KEY_FILE={key_file}" in done.stderr


def test_web_refuses_a_key_given_twice(fakes, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("another")
    done = run(fakes, "web", COXA_SECRET_KEY_FILE=str(key_file), **PRODUCTION)
    assert (done.returncode, done.stdout) == (EX_CONFIG, "")
    assert "not both" in done.stderr


@pytest.mark.parametrize("debug", ["true", "TRUE", "yes", "on", "1"])
def test_web_starts_without_a_key_while_debugging(fakes, debug):
    done = run(fakes, "web", COXA_DEBUG=debug)
    assert done.returncode == 0, done.stderr
    assert said(done)[0][0] == "gunicorn"


@pytest.mark.parametrize("debug", ["false", "0", "off", "no", "", "maybe"])
def test_anything_else_in_coxa_debug_counts_as_production(fakes, debug):
    done = run(fakes, "web", COXA_DEBUG=debug)
    assert done.returncode == EX_CONFIG


def test_other_commands_leave_the_settings_to_coxa(fakes):
    # The worker and the others need the key too, and Coxa's settings say so themselves.
    done = run(fakes, "worker")
    assert (done.returncode, said(done)) == (0, [["coxa", "worker"]])
