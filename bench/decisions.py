"""Decision engine throughput in process, and the CDS Hooks round trip on 127.0.0.1.

Usage: python bench/decisions.py [--evaluations N] [--requests N]

1. Evaluations per second on one core: the engine alone (facts already read), and the whole
   path from a parsed JSON document (checking, unit conversion, evaluation, JSON-ready dict).
2. CDS Hooks: a real gunicorn server (1 sync worker) on 127.0.0.1 with a fresh SQLite
   database; sequential patient-view calls shaped as an EHR sends them; client-side round
   trip p50/p95, against GET /healthz on the same server as the baseline.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCUMENT = {
    "procedure": "bhr",
    "patient": {
        "sex": "male",
        "age_years": 45,
        "diabetes": False,
        "coronary_stent_or_recent_acs": False,
    },
    "hip": {
        "side": "left",
        "diagnosis": "osteoarthritis",
        "templated_head_size_mm": 52,
        "acetabular_bone_stock": "adequate",
    },
    "observations": {
        "bmi": {"value": 31, "unit": "kg/m2"},
        "systolic_bp": {"value": 150, "unit": "mm[Hg]"},
        "diastolic_bp": {"value": 85, "unit": "mm[Hg]"},
        "haemoglobin": {"value": 14.2, "unit": "g/dL"},
        "hba1c": {"value": 6.1, "unit": "%"},
        "egfr": {"value": 88, "unit": "mL/min/{1.73_m2}"},
    },
    "smoking": "current",
    "activity": {"ucla": 8},
    "medications": [{"name": "aspirin", "class": "antiplatelet"}],
    "allergies": [],
    "planned_operation_date": "2027-01-20",
}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def in_process(count):
    from coxa.catalogue.loader import get_catalogue
    from coxa.decisions.domain.document import read_document
    from coxa.decisions.domain.engine import evaluate

    catalogue = get_catalogue()
    codes = tuple(catalogue.procedures)
    facts = read_document(DOCUMENT, procedure_codes=codes)
    for _ in range(1000):
        evaluate(facts, catalogue)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(count):
            evaluate(facts, catalogue)
        runs.append(count / (time.perf_counter() - start))
    full = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count // 4):
            evaluate(read_document(DOCUMENT, procedure_codes=codes), catalogue).as_dict(catalogue)
        full.append((count // 4) / (time.perf_counter() - start))
    print(
        f"engine only (facts read): median {statistics.median(runs):,.0f} evaluations/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in runs)})"
    )
    print(
        f"document to answer (check, convert, evaluate, serialise): median "
        f"{statistics.median(full):,.0f}/s"
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cds(count):
    from coxa.cds.tests.test_cds_hooks import REQUEST

    var = tempfile.mkdtemp()
    env = os.environ | {
        "COXA_VAR_DIR": var,
        "COXA_SECRET_KEY": "bench",
        "COXA_ALLOWED_HOSTS": "127.0.0.1",
        "COXA_DEBUG": "false",
        "COXA_LOG_LEVEL": "ERROR",
        "COXA_SECURE_COOKIES": "false",
    }
    coxa = [sys.executable, "-m", "coxa"]
    subprocess.run([*coxa, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    token = (
        subprocess.run(
            [
                *coxa,
                "shell",
                "-c",
                "from coxa.accounts import services as s; "
                "from django.test import RequestFactory; "
                "s.create_user(username='ehr', role='surgeon', password='bench-password-1', "
                "by=None, check_password_strength=False); "
                "print(s.issue_token(username='ehr', password='bench-password-1', "
                "request=RequestFactory().post('/api/v1/auth/token')))",
            ],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "coxa.config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps(REQUEST)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def timed(method, path, payload=None, extra=None):
            start = time.perf_counter()
            connection.request(method, path, body=payload, headers=extra or {})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            return (time.perf_counter() - start) * 1000

        for _ in range(30):
            timed("POST", "/cds-services/coxa-hip-decisions", body, headers)
        baseline = [timed("GET", "/healthz") for _ in range(count)]
        calls = [
            timed("POST", "/cds-services/coxa-hip-decisions", body, headers) for _ in range(count)
        ]
        base50 = statistics.median(baseline)
        for name, times in (
            ("baseline GET /healthz", baseline),
            ("CDS patient-view (2 hips)", calls),
        ):
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            print(
                f"{name:<28} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                f"({p50 / base50:4.1f}x baseline p50; {count} sequential requests)"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluations", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings_test")
    import django

    django.setup()
    in_process(args.evaluations)
    cds(args.requests)


if __name__ == "__main__":
    main()
