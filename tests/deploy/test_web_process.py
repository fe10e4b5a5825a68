"""The web process for real: deploy/entrypoint.sh starts gunicorn with the kit's configuration.

On loopback, on SQLite in a temporary folder, with the static files' folder read-only as in
the image: the container's health check passes, a one-time link's token reaches no log, and
SIGTERM stops it cleanly (the entrypoint gave gunicorn its process).
"""

import http.client
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
HOST = "coxa.test"
TOKEN = "NotARealTokenButLongEnough123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthcheck(env: dict[str, str]) -> int:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=env,
        capture_output=True,
        check=False,
    ).returncode


def get(
    port: int, path: str, host: str = HOST, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": host, **(headers or {})})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@pytest.fixture
def web(tmp_path):
    port = free_port()
    static = tmp_path / "static"
    static.mkdir(mode=0o555)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "COXA_SECRET_KEY": "a-long-secret-for-the-deployment-tests-only",
        "COXA_ALLOWED_HOSTS": HOST,
        "COXA_VAR_DIR": str(tmp_path / "var"),
        "COXA_STATIC_ROOT": str(static),
        "COXA_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'coxa.sqlite3'}",
        "COXA_WEB_BIND": f"127.0.0.1:{port}",
        "COXA_WEB_WORKERS": "2",
        "TMPDIR": str(tmp_path),  # where gunicorn's master keeps its workers' metrics
    }
    process = subprocess.Popen(
        [str(ROOT / "deploy" / "entrypoint.sh"), "web"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(240):  # until it answers, or it has stopped
            if process.poll() is not None or healthcheck(env) == 0:
                break
            time.sleep(0.25)
        yield process, port, env
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
        static.chmod(0o755)


def test_the_web_process_serves_checks_healthy_and_stops_on_sigterm(web):
    process, port, env = web
    assert process.poll() is None, "gunicorn did not start"
    assert healthcheck(env) == 0

    answer = get(port, "/healthz")
    assert answer.status == 200
    assert answer.getheader("X-Request-ID")
    assert get(port, "/healthz", host="elsewhere.test").status == 400  # hosts are checked
    assert healthcheck({**env, "COXA_ALLOWED_HOSTS": "elsewhere.test"}) == 1
    get(port, f"/questionnaire/{TOKEN}/")

    process.send_signal(signal.SIGTERM)
    output, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    logged = output + errors
    assert "Booting worker" in logged  # gunicorn's own lines are there
    assert TOKEN not in logged  # no access line, and Coxa logs the route, not the path
    assert '"GET /healthz' not in logged


def workers_of(master: int) -> set[int]:
    """The processes whose parent is ``master`` (gunicorn's workers), from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == master:
            found.add(int(stat.parent.name))
    return found


def ready_count(port: int) -> float:
    """Requests to /healthz/ready counted in /metrics (the container's check asks /healthz)."""
    answer = get(port, "/metrics")
    assert answer.status == 200, answer.body
    families = text_string_to_metric_families(answer.body.decode())
    return sum(
        s.value
        for family in families
        for s in family.samples
        if s.name == "coxa_http_request_duration_seconds_count"
        and s.labels["route"] == "healthz/ready"
    )


def test_metrics_add_up_every_workers_requests_even_of_workers_gone(web, tmp_path):
    process, port, env = web
    assert process.poll() is None, "gunicorn did not start"
    folder = tmp_path / f"coxa-web-metrics-{process.pid}"
    before = ready_count(port)
    for _ in range(6):
        get(port, "/healthz/ready")
    assert ready_count(port) == before + 6
    # Every worker that counted them stops; gunicorn starts new ones, which count nothing yet.
    for _ in range(240):  # the second worker may still be starting on a busy machine
        old = workers_of(process.pid)
        if len(old) == 2:
            break
        time.sleep(0.25)
    assert len(old) == 2
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    for _ in range(240):
        new = workers_of(process.pid)
        if len(new) == 2 and not new & old and healthcheck(env) == 0:
            break
        time.sleep(0.25)
    assert ready_count(port) == before + 6  # counted by workers that are gone
    assert sorted(p.name for p in folder.glob("histogram_*.db"))  # the workers' files
    # Through a proxy (a forwarding header), and no token set: as if there were no such page.
    proxied = get(port, "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status == 404
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert not folder.exists()  # removed with the master


def test_the_health_check_fails_when_nothing_answers(tmp_path):
    env = {"PATH": os.environ["PATH"], "COXA_WEB_BIND": f"127.0.0.1:{free_port()}"}
    assert healthcheck(env) == 1


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("coxa.example.org", "coxa.example.org"),
        (" coxa.example.org , other.example.org", "coxa.example.org"),
        (".example.org", "example.org"),
        ("*,coxa.example.org", "coxa.example.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_health_check_asks_under_a_host_coxa_answers_to(allowed, host):
    check = runpy.run_path(str(ROOT / "deploy" / "healthcheck.py"))
    assert check["host_header"](allowed) == host


@pytest.mark.parametrize(
    ("bind", "port"),
    [
        ("0.0.0.0:8000", 8000),
        ("127.0.0.1:9001", 9001),
        ("[::]:8080", 8080),
        ("8081", 8081),
        ("unix:/run/coxa.sock", 8000),
    ],
)
def test_the_health_check_finds_the_port_gunicorn_binds(bind, port):
    check = runpy.run_path(str(ROOT / "deploy" / "healthcheck.py"))
    assert check["port_of"](bind) == port
