"""`coxa serve` (what `make run` calls) starts the web server, a worker and the scheduler, and
stops all three together (issue 18). Real processes on a database file of their own."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not yet reaped by its parent is a zombie: not running.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def _stop_everything(serving: subprocess.Popen[str], started: dict[str, int]) -> None:
    """Nothing outlives a failed test: serve, then each child's own process group."""
    if serving.poll() is None:
        serving.kill()
        serving.wait(timeout=30)
    for pid in started.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "COXA_DEBUG": "true",
        "COXA_DATABASE_URL": f"sqlite:///{tmp_path / 'coxa.sqlite3'}",
        "COXA_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }
    env.pop("COXA_SECRET_KEY", None)
    migrate = [sys.executable, "-m", "coxa", "migrate", "--no-input", "-v0"]
    subprocess.run(migrate, env=env, check=True, timeout=180)
    return env


def _niceness(pid: int) -> int:
    """A process's nice value, field 19 of /proc/PID/stat (after the command in brackets)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def _wait_niceness(pid: int, wanted: int) -> int:
    """The worker lowers its priority once Django has started: wait a little for it."""
    deadline = time.monotonic() + 60
    while _niceness(pid) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return _niceness(pid)


def _wait_healthy(port: int, serving: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert serving.poll() is None, "coxa serve exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the web server never answered /healthz")


@pytest.mark.parametrize(
    "stop_with",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
    ids=["ctrl-c", "sigterm", "terminal-closed"],
)
def test_serve_starts_the_three_and_stops_them_together(environment, stop_with):
    port = _free_port()
    serving = subprocess.Popen(
        [sys.executable, "-m", "coxa", "serve", f"127.0.0.1:{port}"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started: dict[str, int] = {}
    try:
        assert serving.stdout is not None
        while len(started) < 3:
            line = serving.stdout.readline()
            assert line, "coxa serve said nothing"
            found = re.match(r"Started (\w+) \(process (\d+)\)", line)
            if found:
                started[found.group(1)] = int(found.group(2))
        assert set(started) == {"web", "worker", "scheduler"}
        _wait_healthy(port, serving)
        assert all(_alive(pid) for pid in started.values())
        # The worker yields the CPU to the web server (COXA_WORKER_NICE, 10 by default).
        own = os.nice(0)
        assert _wait_niceness(started["worker"], max(own, 10)) == max(own, 10)
        assert _niceness(started["web"]) == own
        serving.send_signal(stop_with)
        assert serving.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in started.values())
    finally:
        _stop_everything(serving, started)


def test_when_one_of_them_stops_the_others_are_stopped(environment):
    port = _free_port()
    serving = subprocess.Popen(
        [sys.executable, "-m", "coxa", "serve", f"127.0.0.1:{port}"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started: dict[str, int] = {}
    try:
        assert serving.stdout is not None
        while len(started) < 3:
            found = re.match(r"Started (\w+) \(process (\d+)\)", serving.stdout.readline())
            if found:
                started[found.group(1)] = int(found.group(2))
        _wait_healthy(port, serving)
        os.kill(started["scheduler"], signal.SIGTERM)
        serving.wait(timeout=60)
        rest = serving.stdout.read()
        assert "The scheduler stopped: stopping the others." in rest
        assert not any(_alive(pid) for pid in started.values())
    finally:
        _stop_everything(serving, started)


def test_serve_refuses_an_address_without_a_port():
    env = {**os.environ, "COXA_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "coxa.config.settings"}
    refused = subprocess.run(
        [sys.executable, "-m", "coxa", "serve", "localhost"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "address must be host:port" in refused.stderr
