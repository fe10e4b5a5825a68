"""gunicorn's configuration for Coxa's web process (``gunicorn -c deploy/gunicorn.conf.py``).

Read by ``deploy/entrypoint.sh web`` in the container image and under systemd. Only the
``COXA_WEB_*`` variables below are read here; everything else is Coxa's own settings.

- Sync workers (ADR 0030): each answers one request at a time, and slow clients are the
  reverse proxy's to buffer. Long work (analytics, large PDFs, exports) runs as a task in
  ``coxa worker``, so a request that outlives ``timeout`` is a fault: its worker is
  replaced and the error log says so.
- No access log: Coxa writes one JSON line a request itself (``config.middleware.RequestLog``:
  the route template, never the path). gunicorn's access line would write the path and the
  query string: a one-time link's token (H64, H81). Its error log still names the path of a
  request that failed inside gunicorn, so the link tokens are hidden there too
  (``post_worker_init``).
- ``/metrics`` counts every worker's requests (ADR 0031): prometheus_client's multiprocess
  mode, each worker writing its counts to a file in ``PROMETHEUS_MULTIPROC_DIR`` (given to
  Coxa through ``raw_env``, before it is preloaded). The folder is this master's own, in the
  temporary folder (the image's tmpfs /tmp, the unit's private /tmp), emptied when gunicorn
  starts and removed when it stops; a folder set in the environment is used instead.
- gunicorn trusts no forwarded header: Coxa's settings alone decide what a proxy may tell
  it (``COXA_TRUSTED_PROXY_HEADER`` for https, ``COXA_TRUSTED_PROXY_COUNT`` for the
  client's address), so there is one place to get it right.
"""

import gc
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

# A gunicorn configuration file is plain module-level names; gunicorn reads the ones it knows.
WORKERS_CAP = 12  # each worker holds a database connection: 12 a host stays well inside
# PostgreSQL's default 100 connections with a few web hosts, workers and the scheduler.


def _integer(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SystemExit(f"{name}={value} is below its minimum, {minimum}")
    return value


def default_workers(cpus: int) -> int:
    """Two workers a CPU plus one (gunicorn's advice for sync workers), at most the cap."""
    return max(1, min(2 * cpus + 1, WORKERS_CAP))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (a cpuset)
    except (AttributeError, OSError):  # not Linux, or the call is not allowed
        return os.cpu_count() or 1


wsgi_app = "coxa.config.wsgi:application"
bind = [os.environ.get("COXA_WEB_BIND", "").strip() or "127.0.0.1:8000"]
workers = _integer("COXA_WEB_WORKERS", default_workers(_cpus()), minimum=1)
worker_class = "sync"
# Coxa is loaded once, in the master, then the workers are forked from it (see when_ready).
# So `systemctl reload` (SIGHUP) starts new workers of the same code: a new release needs a
# restart.
preload_app = True
# Seconds a request may take before its worker is killed and replaced.
timeout = _integer("COXA_WEB_TIMEOUT", 30, minimum=1)
# On SIGTERM (a stop, a restart, a new release) workers finish the requests they hold for up
# to this long. systemd's TimeoutStopSec and compose's stop_grace_period are longer.
graceful_timeout = 30
keepalive = 2  # sync workers close each connection after its answer; kept for other classes
# Workers are not replaced after a number of requests (max_requests stays 0): a new worker
# spends seconds of CPU importing Coxa, which on a small host slows every other answer, and
# the heavy work that gathers memory runs in `coxa worker`, not here.
max_requests = 0

# No header from any address may set the scheme or the WSGI environment (see above).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# Logging: the error log (gunicorn's own start, stop and worker messages) to stderr; no
# access log and no syslog (which would send the access lines too).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("COXA_LOG_LEVEL", "").strip().lower() or "info"
capture_output = False
proc_name = "coxa-web"

# A read-only root filesystem: the heartbeat files in memory (/dev/shm) rather than on disk,
# and no control socket (gunicorn 25.1+ would make one under $HOME).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
control_socket_disable = True


# Request metrics from every worker (ADR 0031). gunicorn reads this file in its master
# process, so the process id names this master's folder; a reload (SIGHUP) finds the same.
_OWN_METRICS_DIR = str(Path(tempfile.gettempdir()) / f"coxa-web-metrics-{os.getpid()}")
METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or _OWN_METRICS_DIR
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={METRICS_DIR}"]


def on_starting(server: object) -> None:
    """An empty folder for the workers' metric files, this user's own: no earlier counts."""
    folder = Path(METRICS_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = folder.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise SystemExit(
            f"PROMETHEUS_MULTIPROC_DIR={folder} is not a folder of this user's (uid {os.getuid()})"
        )
    folder.chmod(0o700)  # the workers' counts are this user's alone to write
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server: object, worker: object) -> None:
    """A worker stopped: its counts stay in the sums; its live gauges go (none are used)."""
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid, METRICS_DIR)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    """On stopping, the folder made for this master goes (one set in the environment stays)."""
    if METRICS_DIR == _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)


def when_ready(server: object) -> None:
    """Load all of Coxa once, in the master process, before any worker is forked.

    The application's import loads the URL map; what pages load on first use (the JSON API,
    the FHIR and JWT libraries, the catalogue) is loaded here too (``startup.preload``), or
    each worker would load its own copy on its first such request. With ``preload_app`` the
    workers are forked from this loaded master: ready at once, sharing its memory. No
    database connection is carried into the workers: loading opens none, and any that was
    opened is closed here.
    """
    from django.db import connections  # noqa: PLC0415

    from coxa.config.startup import preload  # noqa: PLC0415

    preload()
    connections.close_all()
    # What is loaded now stays shared with the workers: their garbage collector leaves it
    # alone, so it is not copied into each of them, nor walked when one stops.
    gc.freeze()


def post_worker_init(worker: object) -> None:
    """Hide one-time link tokens in gunicorn's error log ("Error handling request PATH")."""
    from coxa.core.logfilters import HideLinkTokens  # noqa: PLC0415

    error_log = logging.getLogger("gunicorn.error")
    if not any(isinstance(f, HideLinkTokens) for f in error_log.filters):
        error_log.addFilter(HideLinkTokens())
