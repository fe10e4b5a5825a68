"""What the database benchmarks share: percentiles, and running a child per database.

Each benchmark re-runs itself with ``--child`` in a fresh process per database, so that
Django is configured once for that database: a SQLite file in a temporary folder, or a new
PostgreSQL database on 127.0.0.1:5432.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = os.environ.get("COXA_BENCH_PG_NAME", "coxa_bench")  # one per concurrent run


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def prepare_postgres():
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return f"{PG_SERVER}/{PG_NAME}"


def run_per_database(script, which, arguments, env=None):
    """Run ``script --child --db DB *arguments`` once for each database asked for.

    ``env``: more variables for the child (or ones to change), added to the defaults below.
    """
    for db in ("sqlite", "postgres") if which == "both" else (which,):
        with tempfile.TemporaryDirectory() as var:
            url = prepare_postgres() if db == "postgres" else f"sqlite:///{var}/bench.sqlite3"
            env = (
                os.environ
                | {
                    "COXA_DATABASE_URL": url,
                    "COXA_VAR_DIR": var,
                    "COXA_SECRET_KEY": "bench",
                    "COXA_ALLOWED_HOSTS": "testserver",
                    "COXA_DEBUG": "false",
                    "COXA_LOG_LEVEL": "ERROR",
                    "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
                }
                | (env or {})
            )
            command = [sys.executable, script, "--child", "--db", db, *map(str, arguments)]
            subprocess.run(command, env=env, check=True, cwd=ROOT)
