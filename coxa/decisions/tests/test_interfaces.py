"""The decision engine through the API, the `coxa evaluate` command and the staff page."""

import io
import json
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from coxa.catalogue.loader import CatalogueError

GOOD = {
    "procedure": "core-decompression",
    "patient": {"sex": "female", "age_years": 38, "diabetes": False},
    "hip": {
        "side": "right",
        "diagnosis": "avascular-necrosis",
        "avn_staging": {"system": "arco-2019", "stage": "IIIB"},
    },
    "observations": {"bmi": {"value": 31, "unit": "kg/m2"}},
    "medications": [{"name": "aspirin", "class": "antiplatelet"}],
    "planned_operation_date": "2027-01-20",
}
DEBUG = {"COXA_DEBUG": "true"}


@pytest.mark.django_db
def test_the_api_evaluates_a_document(api_as, surgeon):
    response = api_as(surgeon).post("/api/v1/decisions", GOOD, content_type="application/json")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {
        "procedure",
        "candidacy",
        "readiness",
        "findings",
        "alternatives",
        "actions",
        "medication_stops",
        "catalogue_version",
    }
    # Aspirin without a code or a recorded reason: a clinician decides, with no stop date.
    assert [
        (s["medication"], s["drug_class"], s["action"], s["stop_on"])
        for s in body["medication_stops"]
    ] == [("aspirin", "antiplatelet", "review", None)]
    assert body["medication_stops"][0]["needs_decision"] is True
    assert body["candidacy"] == "contraindicated"
    assert body["alternatives"][0]["procedure"] == "total-hip-replacement"
    collapse = next(f for f in body["findings"] if f["rule_id"] == "cd.collapse")
    assert collapse["sources"][0]["id"] == "cd-page"
    assert collapse["facts"] == {"stage": "ARCO 2019 IIIB", "head_collapse": None}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"procedure": "knee"}, "procedure", "unknown-procedure"),
        (
            {"hip": {"avn_staging": {"system": "ficat-arlet", "stage": "3b"}}},
            "hip.avn_staging.stage",
            "unknown-stage",
        ),
        (
            {"observations": {"bmi": {"value": -4, "unit": "kg/m2"}}},
            "observations.bmi.value",
            "implausible-value",
        ),
        (
            {"observations": {"bmi": {"value": 15, "unit": "stone"}}},
            "observations.bmi.unit",
            "unknown-unit",
        ),
        ({"smoking": "sometimes"}, "smoking", "invalid-value"),
    ],
)
def test_the_api_refuses_bad_documents_naming_the_field(api_as, surgeon, change, field, code):
    response = api_as(surgeon).post(
        "/api/v1/decisions", GOOD | change, content_type="application/json"
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)


@pytest.mark.django_db
def test_the_api_needs_a_signed_in_caller(client):
    assert (
        client.post("/api/v1/decisions", GOOD, content_type="application/json").status_code == 401
    )


def _evaluate(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "coxa", "evaluate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={"COXA_DEBUG": "true", "PATH": "/usr/bin:/bin"},
    )


def test_the_command_prints_a_decision_and_exits_zero(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(GOOD))
    result = _evaluate(str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["candidacy"] == "contraindicated"


def test_the_command_reads_stdin_and_exits_two_on_bad_input():
    result = _evaluate("-", stdin=json.dumps(GOOD | {"procedure": "knee"}))
    assert result.returncode == 2
    assert json.loads(result.stderr)["errors"][0]["field"] == "procedure"
    not_json = _evaluate("-", stdin="{not json")
    assert not_json.returncode == 2
    assert json.loads(not_json.stderr)["errors"][0]["code"] == "invalid-json"
    missing = _evaluate("/nonexistent/doc.json")
    assert missing.returncode == 2
    assert json.loads(missing.stderr)["errors"][0]["code"] == "unreadable"


def test_the_command_needs_no_secret_and_a_missing_setting_is_one_line(tmp_path):
    # Issue 12: without COXA_DEBUG or a secret key, `coxa evaluate` ended in a traceback.
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(GOOD))
    bare = {"PATH": "/usr/bin:/bin", "COXA_VAR_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "coxa"]
    done = subprocess.run(
        [*run, "evaluate", str(path)], capture_output=True, text=True, check=False, env=bare
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["candidacy"] == "contraindicated"
    served = subprocess.run(
        [*run, "migrate"], capture_output=True, text=True, check=False, env=bare
    )
    assert served.returncode == 2
    assert "Traceback" not in served.stderr
    assert served.stderr.strip().splitlines() == [
        "coxa: COXA_SECRET_KEY (or COXA_SECRET_KEY_FILE) must be set when COXA_DEBUG is off"
    ]
    version = subprocess.run(
        [*run, "--version"], capture_output=True, text=True, check=False, env=bare
    )
    assert version.stdout.startswith("coxa 0.1.0 (Django ")


def test_the_command_runs_no_checks_so_a_database_sealed_under_another_key_is_no_bar(tmp_path):
    # `make run` seals its database under the development key; `coxa evaluate` runs with a
    # throwaway key (cli.OFFLINE), and stopped at the audit chain's check. It runs no checks
    # (issue 20), which also spares it importing every page.
    database = tmp_path / "coxa.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TABLE core_auditchainhead "
            "(id integer PRIMARY KEY, last_id integer, last_hash text, seal text)"
        )
        db.execute("INSERT INTO core_auditchainhead VALUES (1, 7, 'x', 'sealed elsewhere')")
    db.close()
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(GOOD))
    env = {
        "PATH": "/usr/bin:/bin",
        "COXA_VAR_DIR": str(tmp_path),
        "COXA_DATABASE_URL": f"sqlite:///{database}",
    }
    run = [sys.executable, "-m", "coxa"]
    done = subprocess.run(
        [*run, "evaluate", str(path)], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["candidacy"] == "contraindicated"
    checked = subprocess.run(
        [*run, "check"], capture_output=True, text=True, check=False, env=env | DEBUG
    )
    assert checked.returncode == 1
    assert "sealed with another key" in checked.stderr  # the database is as described


def test_the_command_says_what_is_wrong_with_a_broken_catalogue(tmp_path, monkeypatch):
    def broken():
        raise CatalogueError(["bhr.yaml: not valid YAML: a tab"])

    monkeypatch.setattr("coxa.decisions.management.commands.evaluate.get_catalogue", broken)
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(GOOD))
    with pytest.raises(CommandError, match=r"bhr\.yaml: not valid YAML: a tab"):
        call_command("evaluate", str(path), stdout=io.StringIO())
