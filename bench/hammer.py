"""The concurrent half of bench/pages.py: clients hammering one request kind on loopback.

gunicorn runs with the deployment kit's configuration (``deploy/gunicorn.conf.py``) and
``--workers`` sync workers (``COXA_WEB_WORKERS``), on the benchmark's database. Each client is
a process of its own, forked, sending one request after another (a new connection each, as
sync workers close them) with no pause: in a thread of one process, waiting for the load
generator's interpreter lock would be counted as the server's time. A run lasts ``seconds``;
a request still open at its end is waited for and counted in the times, but only those
answered within it count for requests per second.
"""

import multiprocessing
import os
import statistics
import sys
import threading
import time
from contextlib import contextmanager

from harness import ROOT, percentile
from load import Client, free_port, sign_in, start, stop, wait_until_up

TIMEOUT = 120  # seconds a client waits for an answer (a queue of slow pages is long)


@contextmanager
def server(workers, log_path):
    """gunicorn on a free port of 127.0.0.1 with ``workers`` sync workers; its port."""
    port = free_port()
    env = os.environ | {"COXA_WEB_WORKERS": str(workers), "COXA_WEB_BIND": f"127.0.0.1:{port}"}
    config = str(ROOT / "deploy/gunicorn.conf.py")
    with open(log_path, "a") as log:
        web = start([sys.executable, "-m", "gunicorn", "-c", config], env, log)
        try:
            wait_until_up(port, web)
            yield port
        finally:
            stop(web)


def cookies_for(port, usernames, password):
    """A signed-in session cookie for each account, through the sign-in form."""
    return {name: sign_in(port, name, password) for name in usernames}


def _send(port, item):
    """One request: (finished at, ms, status, bytes, problem)."""
    cookie, method, path, body, headers = item
    started = time.perf_counter()
    try:
        status, _, data, _ = Client(port, cookie, TIMEOUT).request(method, path, body, headers)
    except OSError as error:
        return time.time(), (time.perf_counter() - started) * 1000, 0, 0, type(error).__name__
    return time.time(), (time.perf_counter() - started) * 1000, status, len(data), ""


def _client(port, items, first, stride, start_at, deadline, sender):
    answers = []
    index = first
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < deadline:
        answers.append(_send(port, items[index % len(items)]))
        index += stride
    sender.send(answers)
    sender.close()


def warm_up(port, items, count=2):
    """``count`` requests at once, unmeasured: each worker has answered this kind before."""
    threads = [
        threading.Thread(target=_send, args=(port, items[n % len(items)])) for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def one_run(port, items, clients, seconds):
    """``clients`` processes sending ``items`` (shared out between them) for ``seconds``."""
    context = multiprocessing.get_context("fork")
    start_at = time.time() + 0.3
    deadline = start_at + seconds
    receivers, processes = [], []
    for n in range(clients):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_client, args=(port, items, n, clients, start_at, deadline, sender)
        )
        process.start()
        sender.close()
        receivers.append(receiver)
        processes.append(process)
    answers = [answer for receiver in receivers for answer in receiver.recv()]
    for process in processes:
        process.join()
    times = [ms for _, ms, *_ in answers]
    problems = [p or f"HTTP {s}" for _, _, s, _, p in answers if p or s != 200]
    return {
        "n": len(answers),
        "p50": statistics.median(times) if times else float("nan"),
        "p95": percentile(times, 0.95) if times else float("nan"),
        "rps": sum(1 for at, *_ in answers if at <= deadline) / seconds,
        "errors": len(problems),
        "problems": sorted(set(problems))[:3],
    }


def concurrent(port, items, clients, seconds, runs):
    """The medians over ``runs`` runs of each figure, with every run's errors added up."""
    warm_up(port, items)
    done = [one_run(port, items, clients, seconds) for _ in range(runs)]
    median = {k: statistics.median(r[k] for r in done) for k in ("p50", "p95", "rps")}
    problems = sorted({p for r in done for p in r["problems"]})[:3]
    return {
        **median,
        "n": sum(r["n"] for r in done),
        "errors": sum(r["errors"] for r in done),
        "problems": problems,
    }
