"""`coxa` refuses the commands that would erase the audit log, with exit code 2."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from coxa import cli
from coxa.core.models import AuditEvent


def run(argv: list[str], capsys) -> tuple[int | str | None, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def latest(app_label: str) -> str:
    loader = MigrationLoader(connection)
    return next(name for app, name in loader.graph.leaf_nodes() if app == app_label)


@pytest.mark.parametrize("command", ["flush", "sqlflush"])
def test_flushes_are_refused_before_django_runs(command, capsys):
    code, _, err = run([command, "--no-input"], capsys)
    assert code == 2
    assert err.startswith(f"coxa {command} is refused: it ")
    assert "audit log" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "core", "zero"],
        ["migrate", "core", "0002"],
        ["migrate", "core", "0001_initial", "--fake"],
        ["migrate", "accounts", "zero"],  # core depends on accounts: it would go too
        ["migrate", "core", "zero", "--plan"],
    ],
)
def test_migrations_that_would_unapply_core_are_refused(argv, capsys, log):
    log(1)
    code, _, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("coxa migrate is refused: it would unapply core.")
    assert "core.0003_audit_chain" in err
    assert AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_migrate_that_unapplies_nothing_of_core_goes_ahead(capsys):
    cli.main(["migrate", "core", latest("core"), "--plan"])
    assert "No planned migration operations" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_migration_that_does_not_exist_is_left_to_migrate_to_report(capsys):
    code, _, err = run(["migrate", "core", "0999_nothing"], capsys)
    assert code == 1
    assert "refused" not in err
    assert "0999_nothing" in err


def test_other_commands_run_as_before(capsys):
    cli.main(["check", "--tag", "models"])
    assert "no issues" in capsys.readouterr().out
