"""Start-up: `coxa evaluate`, and a fresh web worker's first request (issue 20).

Usage: python bench/startup.py [--runs N]

Each figure is the median of N fresh processes (5 by default), from starting the interpreter
to its exit: wall time, and the CPU time the process used (steadier on a busy machine). Bytecode
is written and read as an installed Coxa has it (a first run, not counted, writes the .pyc
files; PYTHONDONTWRITEBYTECODE is unset for the children).

1. `python -m coxa evaluate FILE` with the document bench/decisions.py evaluates.
2. A worker's first request: a process that imports the WSGI application (django.setup and
   the URL map, as a gunicorn worker does), then answers a signed-in nurse's GET /staff/ and
   a GET /healthz through the WSGI handler, on a fresh SQLite database. Its own clock splits
   the time into those steps (medians; "URL map" is what was left to load after the import).
   gunicorn preloads the application in its master (deploy/gunicorn.conf.py), so there this
   is paid once a restart; without preloading, in `coxa serve` and in a test run, each
   process pays it.
3. A worker forked from a preloaded master, as gunicorn runs them (deploy/gunicorn.conf.py:
   ``preload_app``, then ``when_ready``'s ``startup.preload`` and ``gc.freeze``): one process
   imports the application and preloads, then forks; the child's clock runs from the fork
   to its answers to the same GET /staff/ and GET /healthz. This is what a worker costs
   when gunicorn starts or replaces one.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from decisions import DOCUMENT

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5

# The prepared database's nurse, signed in: prints the session cookie's name and value.
_PREPARE = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from coxa.accounts.models import User
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)  # the manifest pages read
nurse = User.objects.create_user(username="bench", password="bench-password-1", role="nurse")
client = Client()
client.force_login(nurse)
print(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
"""

# A worker's first request. Times are its own, from before Django is imported.
_FIRST_REQUEST = """
import time
start = time.perf_counter()
import io, json, sys

from coxa.config.wsgi import application
loaded = time.perf_counter()
from django.urls import get_resolver
get_resolver().url_patterns
mapped = time.perf_counter()

def get(path, cookie=None):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    status = []
    answer = application(environ, lambda line, headers, exc=None: status.append(line))
    b"".join(answer)
    answer.close()
    return int(status[0].split()[0])

staff = get("/staff/", sys.argv[1])
paged = time.perf_counter()
health = get("/healthz")
done = time.perf_counter()
assert (staff, health) == (200, 200), (staff, health)
print(json.dumps({
    "import the application": loaded - start, "URL map": mapped - loaded,
    "GET /staff/": paged - mapped, "GET /healthz": done - paged,
}))
"""


# A worker forked from a master that preloaded, as gunicorn does. The child's times, from the fork.
_FORKED = _FIRST_REQUEST.replace(
    "from coxa.config.wsgi import application\n",
    """from coxa.config.wsgi import application
import gc, os
from coxa.config.startup import preload
preload()
gc.freeze()
pid = os.fork()
if pid:
    _, code = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(code))
start = time.perf_counter()
""",
)


def timed(command, env):
    """Wall and CPU seconds of one fresh process, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, command[:4]))} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout


def median_of(runs, command, env):
    timed(command, env)  # writes the bytecode; not counted
    return [timed(command, env) for _ in range(runs)]


def report(name, results):
    walls = [wall for wall, _, _ in results]
    median = statistics.median(walls)
    cpu = statistics.median(c for _, c, _ in results)
    mark = "under" if median < TARGET_S else "OVER"
    print(
        f"{name:<32} median {median:.3f} s wall, {cpu:.3f} s CPU ({mark} the {TARGET_S} s "
        f"target; runs: {', '.join(f'{w:.3f}' for w in walls)})"
    )


def evaluate(runs, env, folder):
    document = Path(folder) / "document.json"
    document.write_text(json.dumps(DOCUMENT))
    results = median_of(runs, [sys.executable, "-m", "coxa", "evaluate", document], env)
    report("coxa evaluate FILE", results)


def first_request(runs, env):
    prepared = subprocess.run(
        [sys.executable, "-c", _PREPARE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if prepared.returncode != 0:
        sys.exit(f"preparing the database failed:\n{prepared.stderr}")
    name, value = prepared.stdout.split()[-2:]
    results = median_of(runs, [sys.executable, "-c", _FIRST_REQUEST, f"{name}={value}"], env)
    report("a worker's first request", results)
    steps = [json.loads(out) for _, _, out in results]
    for step in steps[0]:
        print(f"  {step:<32} median {statistics.median(s[step] for s in steps):.3f} s")
    forked = median_of(runs, [sys.executable, "-c", _FORKED, f"{name}={value}"], env)
    steps = [json.loads(out) for _, _, out in forked]
    total = statistics.median(sum(s.values()) for s in steps)
    mark = "under" if total < TARGET_S else "OVER"
    print(
        f"{'a forked worker, first requests':<32} median {total:.3f} s from the fork "
        f"({mark} the {TARGET_S} s target)"
    )
    for step in ("GET /staff/", "GET /healthz"):
        print(f"  {step:<32} median {statistics.median(s[step] for s in steps):.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
            "COXA_VAR_DIR": folder,
            "COXA_DATABASE_URL": f"sqlite:///{folder}/startup.sqlite3",
            "COXA_SECRET_KEY": "bench",
            "COXA_ALLOWED_HOSTS": "testserver",
            "COXA_DEBUG": "false",
            "COXA_LOG_LEVEL": "ERROR",
            "COXA_OTP_REQUIRED_ROLES": "none",
        }
        print(f"{runs} fresh processes each, Python {sys.version.split()[0]}")
        evaluate(runs, env, folder)
        first_request(runs, env)


if __name__ == "__main__":
    main()
