"""The offline commands run no system checks, so a failing deployment check is no bar (issue 20).

`coxa catalogue`, `coxa permissions`, `coxa errors` and `coxa export_openapi_schema` (ninja's,
wrapped by core) read files and tables in the code, never the database the checks protect,
and run under a throwaway key (``cli.OFFLINE``) that the audit chain's check (coxa.E001)
refuses. `coxa evaluate` was the first of them (``decisions/tests/test_interfaces.py``).
"""

import sqlite3
import subprocess
import sys

import pytest
from django.core import checks
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import SystemCheckError
from django.test.utils import override_system_checks

from coxa import cli

COMMANDS = [
    (("catalogue", "validate"), "is valid:"),
    (("permissions",), "admin"),
    (("errors",), "invalid-value"),
    (("export_openapi_schema", "--api", "coxa.config.api.api"), '"openapi": "3.1.0"'),
]


def failing(app_configs=None, **kwargs):
    return [checks.Error("the audit chain was sealed with another key", id="coxa.E001")]


@pytest.mark.parametrize(("argv", "said"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_each_runs_where_a_system_check_fails(argv, said, capsys):
    with override_system_checks([failing]):
        with pytest.raises(SystemCheckError, match=r"coxa\.E001"):
            call_command("check")  # the check fails, as a command that runs checks sees it
        execute_from_command_line(["coxa", *argv])  # as `coxa` runs it, checks not skipped
    assert said in capsys.readouterr().out


def test_they_are_the_offline_commands():
    assert {argv[0] for argv, _ in COMMANDS} | {"evaluate"} <= cli.OFFLINE


@pytest.mark.parametrize(("argv", "said"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_each_runs_from_the_command_line_on_a_database_sealed_under_another_key(
    tmp_path, argv, said
):
    database = tmp_path / "coxa.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TABLE core_auditchainhead "
            "(id integer PRIMARY KEY, last_id integer, last_hash text, seal text)"
        )
        db.execute("INSERT INTO core_auditchainhead VALUES (1, 7, 'x', 'sealed elsewhere')")
    db.close()
    env = {
        "PATH": "/usr/bin:/bin",
        "COXA_VAR_DIR": str(tmp_path),
        "COXA_DATABASE_URL": f"sqlite:///{database}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "coxa", *argv], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert said in done.stdout
    checked = subprocess.run(
        [sys.executable, "-m", "coxa", "check"],
        capture_output=True,
        text=True,
        check=False,
        env=env | {"COXA_DEBUG": "true"},
    )
    assert checked.returncode == 1
    assert "coxa.E001" in checked.stderr  # the database is as described
