"""A bounded load test on loopback: many staff at once on a realistic mix of pages while a
worker computes analytics in the background (issue 18; issue 20 names the same test).

It builds a fresh database with the demo's patients (and its 20,000-hip registry extract),
starts gunicorn with the deployment kit's configuration (deploy/gunicorn.conf.py, with its own
number of sync workers, two a CPU plus one, unless --web-workers says otherwise; issue 20's
figures name 2) and one `coxa worker`, signs in one account per
role, then runs --clients simulated members of staff for --seconds: each opens a page of the
mix, reads it for a moment (--think seconds on average, exponentially distributed), and
opens the next. Beside them a monitor, a process of its own, asks `/healthz` every 100 ms
as a load balancer would, and an analyst keeps asking new analytics questions (the registry
extract, one filter after another) so that the worker computes throughout.

It prints, per kind of page and for `/healthz`: requests, errors (a 5xx, a refused or broken
connection, or a status the page never answers), p50/p95/p99 and max in milliseconds; the
throughput; and the analytics jobs the worker finished during the run with their times.
Nothing is asserted: the figures are the result.

Usage: python bench/load.py [--db sqlite|postgres] [--clients 50] [--seconds 60]
       [--think 1.0] [--web-workers N] [--patients 240]
"""

import argparse
import http.client
import importlib.util
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, percentile, prepare_postgres

PASSWORD = "bench-load-password-1"  # noqa: S105 (a throwaway database's accounts)
ROLES = ("surgeon", "nurse", "analyst")
DISCOVER = """
import json
from django.urls import reverse
from coxa.accounts.models import User
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
for role in ("surgeon", "nurse", "analyst"):
    User.objects.create_user(username=f"bench-{role}", password=PASSWORD, role=role)
patients = list(
    Patient.objects.order_by("hospital_number").values_list("public_id", "family_name")[:60]
)
episodes = list(Episode.objects.order_by("id").values_list("public_id", flat=True)[:80])
print(json.dumps({
    "patients": [reverse("pathways:patient", args=[p]) for p, _ in patients],
    "names": sorted({n[:4] for _, n in patients}),
    "episodes": [reverse("pathways:episode", args=[e]) for e in episodes],
}))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def coxa(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "coxa", *args], env=env, check=True, cwd=ROOT, **kwargs
    )


def prepare(env, patients):
    """Migrate, load the demo (with COXA_DEBUG for the loader only), collect static files."""
    started = time.perf_counter()
    coxa(env, "migrate", "--no-input", "-v0")
    coxa(env | {"COXA_DEBUG": "true"}, "demo", "--patients", str(patients),
         stdout=subprocess.DEVNULL)  # fmt: skip
    coxa(env, "collectstatic", "--no-input", "-v0")
    found = coxa(env, "shell", "-c", f"PASSWORD = {PASSWORD!r}\n" + DISCOVER,
                 capture_output=True, text=True)  # fmt: skip
    print(f"  prepared in {time.perf_counter() - started:.0f} s", flush=True)
    return json.loads(found.stdout.strip().splitlines()[-1])


class Client:
    """One HTTP/1.1 request at a time to the server on loopback, with a session cookie."""

    def __init__(self, port, cookie="", timeout=30):
        self.port, self.cookie, self.timeout = port, cookie, timeout

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
            return answer.status, dict(answer.getheaders()), data, answer.headers
        finally:
            connection.close()


def sign_in(port, username, password=PASSWORD):
    client = Client(port)
    status, _, page, headers = client.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    client.cookie = "; ".join(cookies)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    status, _, _, headers = client.request(
        "POST", "/accounts/login/", body,
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
    )  # fmt: skip
    if status != 302:
        raise SystemExit(f"could not sign in as {username}: {status}")
    cookies += [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    jar = {c.split("=", 1)[0]: c for c in cookies}
    return "; ".join(jar.values())


def the_mix(found):
    """(kind, weight, role, path chooser): what staff open, and how often."""
    patients, episodes, names = found["patients"], found["episodes"], found["names"]
    return [
        ("staff home", 14, "nurse", lambda r: "/staff/"),
        ("patient search", 12, "nurse", lambda r: "/staff/patients/?q=" + r.choice(names)),
        ("patient chart", 16, "surgeon", lambda r: r.choice(patients)),
        ("episode page", 16, "surgeon", lambda r: r.choice(episodes)),
        ("episode list", 6, "nurse", lambda r: "/staff/episodes/"),
        ("pre-assessment worklist", 8, "nurse", lambda r: "/staff/worklists/pre-assessment/"),
        ("theatre worklist", 6, "surgeon", lambda r: "/staff/worklists/theatre-and-recovery/"),
        ("follow-up worklist", 5, "nurse", lambda r: "/staff/worklists/follow-up/"),
        ("surveillance worklist", 4, "surgeon", lambda r: "/staff/worklists/surveillance/"),
        ("analytics page", 5, "analyst", lambda r: "/staff/analytics/?by=procedure"),
        ("public pages", 4, "", lambda r: r.choice(["/", "/procedures/", "/procedures/bhr/"])),
    ]


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(list)

    def add(self, kind, started, status, problem=""):
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.times[kind].append(elapsed)
            if problem or status >= 500:
                self.errors[kind].append(problem or f"HTTP {status}")


def member_of_staff(port, cookies, mix, think, deadline, results, seed):
    rng = random.Random(seed)
    weights = [weight for _, weight, _, _ in mix]
    time.sleep(rng.uniform(0, think))  # not all at the same instant
    while time.monotonic() < deadline:
        kind, _, role, choose = rng.choices(mix, weights)[0]
        client = Client(port, cookies.get(role, ""))
        started = time.perf_counter()
        try:
            status, _, _, _ = client.request("GET", choose(rng))
            problem = "" if status in (200, 302) else f"HTTP {status}"
            results.add(kind, started, status, problem)
        except OSError as error:
            results.add(kind, started, 0, type(error).__name__)
        time.sleep(rng.expovariate(1 / think) if think else 0)


def monitor(port, deadline, sender):
    """The load balancer's health check, every 100 ms: a process of its own, as a balancer is.

    In the load generator's process its timings would include waiting for the interpreter's
    lock behind 50 client threads, which is not the server's time.
    """
    results = Results()
    client = Client(port)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            status, _, _, _ = client.request("GET", "/healthz")
            results.add("/healthz", started, status, "" if status == 200 else f"HTTP {status}")
        except OSError as error:
            results.add("/healthz", started, 0, type(error).__name__)
        time.sleep(max(0.0, 0.1 - (time.perf_counter() - started)))
    sender.send((results.times["/healthz"], results.errors["/healthz"]))
    sender.close()


def analyst(port, cookie, deadline, results):
    """New analytics questions of the registry extract, one after another: the worker's load."""
    client = Client(port, cookie)
    questions = [f"source=synthetic-registry.csv&operated_from={y}" for y in range(1995, 2026)]
    questions += [f"source=synthetic-registry.csv&by=procedure&operated_to={y}"
                  for y in range(2000, 2026)]  # fmt: skip
    for question in questions:
        if time.monotonic() >= deadline:
            return
        started = time.perf_counter()
        status, _, _, _ = client.request("GET", "/staff/analytics/?" + question)
        results.add("analytics asked", started, status, "" if status == 200 else f"HTTP {status}")
        time.sleep(2)


def report(results, seconds, jobs):
    print(f"  {'request':<26}{'n':>7}{'errors':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    total = errors = 0
    for kind in sorted(results.times, key=lambda k: (k != "/healthz", k)):
        times = results.times[kind]
        total += len(times)
        errors += len(results.errors[kind])
        print(f"  {kind:<26}{len(times):>7}{len(results.errors[kind]):>8}"
              f"{percentile(times, 0.5):>8.1f}{percentile(times, 0.95):>8.1f}"
              f"{percentile(times, 0.99):>8.1f}{max(times):>8.1f}")  # fmt: skip
    print(f"  {total} requests in {seconds} s ({total / seconds:.1f}/s), {errors} errors")
    for kind, problems in results.errors.items():
        if problems:
            print(f"    errors in {kind}: {sorted(set(problems))[:5]}")
    if jobs:
        print(f"  analytics computed by the worker during the run: {len(jobs)} jobs, "
              f"median {statistics.median(jobs):.1f} s, longest {max(jobs):.1f} s")  # fmt: skip
    else:
        print("  analytics computed by the worker during the run: none")


def finished_jobs(env, since):
    code = (
        "from coxa.core.models import BackgroundJob\n"
        "import datetime as dt\n"
        f"since = dt.datetime.fromtimestamp({since}, dt.UTC)\n"
        "for j in BackgroundJob.objects.filter(status='done', finished_at__gte=since):\n"
        "    print('JOB', (j.finished_at - j.created_at).total_seconds())\n"
    )
    found = coxa(env, "shell", "-c", code, capture_output=True, text=True)
    return [float(line.split()[1]) for line in found.stdout.splitlines() if line.startswith("JOB ")]


def start(command, env, log):
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log,
                            start_new_session=True)  # fmt: skip


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_until_up(port, web):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SystemExit("gunicorn exited while starting: see its log")
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz")


def kit_workers() -> int:
    """The deployment kit's own number of web workers on this machine (two a CPU plus one)."""
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy/gunicorn.conf.py")
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)
    return kit.default_workers(kit._cpus())


def run(arguments, var):
    url = prepare_postgres() if arguments.db == "postgres" else f"sqlite:///{var}/bench.sqlite3"
    port = free_port()
    workers = arguments.web_workers or kit_workers()
    env = os.environ | {
        "COXA_WEB_WORKERS": str(workers),
        "COXA_DATABASE_URL": url,
        "COXA_VAR_DIR": var,
        "COXA_SECRET_KEY": "bench-load-not-secret",
        "COXA_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "COXA_SECURE_COOKIES": "false",
        "COXA_DEBUG": "false",
        "COXA_LOG_LEVEL": "WARNING",
        "COXA_WEB_BIND": f"127.0.0.1:{port}",
        "COXA_LOGIN_FAILURE_LIMIT": "1000",
        "COXA_CONTACT_WARD_PHONE": "0121 000 0000",  # not the example numbers (no warning)
        "COXA_CONTACT_OFFICE_PHONE": "0121 000 0001",
    }
    print(
        f"{arguments.db}: {arguments.clients} clients, {arguments.seconds} s, think "
        f"{arguments.think} s, {workers} gunicorn workers, 1 task worker"
        + ("" if arguments.analyst else ", no analyst"),
        flush=True,
    )
    found = prepare(env, arguments.patients)
    with open(Path(var) / "servers.log", "w") as log:
        web = start([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                    env, log)  # fmt: skip
        worker = start([sys.executable, "-m", "coxa", "worker", "--no-reload"], env, log)
        try:
            wait_until_up(port, web)
            cookies = {role: sign_in(port, f"bench-{role}") for role in ROLES}
            results = Results()
            began = time.time()
            deadline = time.monotonic() + arguments.seconds
            receiver, sender = multiprocessing.Pipe(duplex=False)
            checker = multiprocessing.Process(target=monitor, args=(port, deadline, sender))
            checker.start()  # forked before any thread starts
            threads = [
                threading.Thread(
                    target=analyst, args=(port, cookies["analyst"], deadline, results)
                ),
            ][: 1 if arguments.analyst else 0]
            mix = the_mix(found)
            threads += [
                threading.Thread(target=member_of_staff,
                                 args=(port, cookies, mix, arguments.think, deadline, results, n))
                for n in range(arguments.clients)
            ]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            results.times["/healthz"], results.errors["/healthz"] = receiver.recv()
            checker.join()
            report(results, arguments.seconds, finished_jobs(env, began))
        finally:
            stop(web)
            stop(worker)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between pages")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=None,
        help="gunicorn's sync workers (default: the deployment kit's, two a CPU plus one)",
    )
    parser.add_argument("--patients", type=int, default=240)
    parser.add_argument(
        "--no-analyst",
        dest="analyst",
        action="store_false",
        help="no analytics questions (to tell the pages' own load from the worker's)",
    )
    arguments = parser.parse_args()
    if not 1 <= arguments.seconds <= 600 or not 1 <= arguments.clients <= 200:
        raise SystemExit("--seconds must be 1 to 600 and --clients 1 to 200 (a bounded test)")
    for db in ("sqlite", "postgres") if arguments.db == "both" else (arguments.db,):
        with tempfile.TemporaryDirectory() as var:
            run(argparse.Namespace(**{**vars(arguments), "db": db}), var)


if __name__ == "__main__":
    main()
