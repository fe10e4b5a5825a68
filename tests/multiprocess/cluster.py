"""Coxa as a hospital runs it, on one machine: web processes and workers sharing one PostgreSQL
database and one Redis (issue 18, ADR 0028, ADR 0030).

Each process is real (gunicorn with deploy/gunicorn.conf.py, `coxa worker`, `coxa scheduler`),
in its own process group, on a database made for the run and dropped after it, with Redis's
database 7 (not 0, where a developer's own Redis keeps its data) emptied before and after.
Nothing here is shared with the test process but the two servers.
"""

import contextlib
import functools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/7"
STARTING = 90.0  # seconds a process may take to answer (imports on 2 busy cores)
STOPPING = 20.0  # seconds a process group has to stop after SIGTERM, before SIGKILL
T = TypeVar("T")


@dataclass(frozen=True)
class Server:
    """The PostgreSQL server the suite runs on (from its COXA_DATABASE_URL)."""

    host: str
    port: int
    user: str
    password: str

    @classmethod
    def of(cls, database: Mapping[str, Any]) -> "Server":
        return cls(
            host=str(database.get("HOST") or "127.0.0.1"),
            port=int(database.get("PORT") or 5432),
            user=str(database.get("USER") or "postgres"),
            password=str(database.get("PASSWORD") or ""),
        )

    def url(self, name: str) -> str:
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return f"postgres://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/{name}"

    def connect(self, name: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(name), autocommit=True, connect_timeout=3)


def unreachable(server: Server) -> str | None:
    """Why PostgreSQL or Redis cannot be used, or None when both answer."""
    try:
        server.connect("postgres").close()
    except psycopg.Error as error:
        return f"PostgreSQL does not answer at {server.url('postgres')}: {error}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis does not answer at {REDIS_URL}: {error}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    """``check()``'s first answer that is not None (nor False), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


class Cluster:
    """The processes of one run, their logs, and the database they share."""

    def __init__(self, server: Server, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.database = f"coxa_multi_{secrets.token_hex(4)}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.web: dict[str, str] = {}  # name: base URL
        self.env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(folder),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
            # The demo's logins work only with COXA_DEBUG on (their password is published).
            "COXA_DEBUG": "true",
            "COXA_DATABASE_URL": server.url(self.database),
            "COXA_CACHE_URL": REDIS_URL,
            "COXA_VAR_DIR": str(folder / "var"),
        }
        self._connection: psycopg.Connection[Any] | None = None

    # ------------------------------------------------------------------ commands
    def coxa(self, *arguments: str, timeout: float = 120) -> str:
        """Run a `coxa` command to its end; its output (it must succeed)."""
        done = subprocess.run(
            [sys.executable, "-m", "coxa", *arguments],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"coxa {' '.join(arguments)}: {done.stdout}{done.stderr}"
        return done.stdout

    def spawn(self, name: str, argv: list[str], **env: str) -> subprocess.Popen[bytes]:
        """Start a process in its own group, its output in ``<name>.log``."""
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                argv,
                env={**self.env, **env},
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_web(self, name: str) -> None:
        """gunicorn with the deployment kit's configuration: one sync worker, on loopback."""
        port = free_port()
        self.web[name] = f"http://127.0.0.1:{port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py")]
        self.spawn(name, gunicorn, COXA_WEB_BIND=f"127.0.0.1:{port}", COXA_WEB_WORKERS="1")

    def start_worker(self, name: str) -> None:
        """`coxa worker` under a known id (kept on each task it takes), checking twice a second."""
        self.spawn(
            name,
            [
                *(sys.executable, "-m", "coxa", "worker", "--no-reload", "--interval", "0.5"),
                *("--worker-id", name, "--no-startup-delay", "-v", "1"),
            ],
        )

    def wait_answering(self) -> None:
        """Every web process answers /healthz and every process is still running."""
        for name, base in self.web.items():
            wait_until(
                f"{name} answering /healthz", functools.partial(self._healthy, base), STARTING
            )
        self.check_running()

    def _healthy(self, base: str) -> bool:
        self.check_running()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=3) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except OSError:
            return False

    def check_running(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} stopped:\n{self.log(name)}"

    def log(self, name: str, lines: int = 40) -> str:
        found = self.folder / f"{name}.log"
        text = found.read_text(errors="replace") if found.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ the database
    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows of a query on the shared database (read by the test, never written)."""
        if self._connection is None:
            self._connection = self.server.connect(self.database)
        with self._connection.cursor() as cursor:
            cursor.execute(query.encode(), params)
            return list(cursor.fetchall()) if cursor.description else []

    def one(self, query: str, *params: object) -> Any:
        (row,) = self.sql(query, *params)
        return row[0]

    # ------------------------------------------------------------------ stopping
    def stop(self) -> None:
        """Stop every process group (SIGTERM, then SIGKILL), so nothing is left listening."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOPPING
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            _signal_group(process, signal.SIGKILL)  # a child left behind by its parent

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _signal_group(process: subprocess.Popen[bytes], number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, number)


@contextlib.contextmanager
def running(server: Server, folder: Path) -> Iterator[Cluster]:
    """A migrated database with the demo's logins, two web processes and two workers."""
    cluster = Cluster(server, folder)
    cache = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    cache.flushdb()
    with server.connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{cluster.database}"'.encode())
    try:
        cluster.coxa("migrate", "--no-input", "-v", "0", timeout=180)
        for name in ("web-a", "web-b"):
            cluster.start_web(name)
        for name in ("worker-1", "worker-2"):
            cluster.start_worker(name)
        # While they start: 20 demo patients and one login a role (password coxa-demo).
        cluster.coxa("demo", "--patients", "20", timeout=180)
        cluster.wait_answering()
        yield cluster
    finally:
        cluster.close()
        cluster.stop()
        with server.connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{cluster.database}" WITH (FORCE)'.encode())
        cache.flushdb()
        cache.close()
