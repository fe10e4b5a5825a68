"""Settings readers, the health check, and the OpenAPI contract."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from coxa.config import env

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("On", True), ("0", False), ("no", False)]
)
def test_booleans_read_in_the_usual_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("COXA_X", raw)
    assert env.env_bool("COXA_X", default=not value) is value


def test_a_value_of_the_wrong_type_stops_start_up_naming_the_variable(monkeypatch):
    monkeypatch.setenv("COXA_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="COXA_X"):
        env.env_bool("COXA_X", default=False)
    monkeypatch.setenv("COXA_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="COXA_X"):
        env.env_int("COXA_X", default=1)
    monkeypatch.setenv("COXA_X", "0")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env.env_int("COXA_X", default=1, minimum=1)


def test_lists_and_secret_files(monkeypatch, tmp_path):
    monkeypatch.setenv("COXA_X", "a, b,,c")
    assert env.env_list("COXA_X", default=[]) == ["a", "b", "c"]
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("COXA_S", raising=False)
    monkeypatch.setenv("COXA_S_FILE", str(secret))
    assert env.env_secret("COXA_S") == "s3cret"
    monkeypatch.setenv("COXA_S", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.env_secret("COXA_S")


def _settings_in_a_fresh_process(**variables):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COXA_")}
    return subprocess.run(
        [sys.executable, "-c", "import coxa.config.settings"],
        env=clean | {"COXA_VAR_DIR": "/tmp/coxa-settings-test"} | variables,  # noqa: S108
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_debug_there_is_no_default_secret_or_host():
    no_secret = _settings_in_a_fresh_process()
    assert no_secret.returncode != 0
    assert "COXA_SECRET_KEY" in no_secret.stderr
    no_host = _settings_in_a_fresh_process(COXA_SECRET_KEY="k")
    assert "COXA_ALLOWED_HOSTS" in no_host.stderr
    assert _settings_in_a_fresh_process(COXA_SECRET_KEY="k", COXA_ALLOWED_HOSTS="h").returncode == 0
    assert _settings_in_a_fresh_process(COXA_DEBUG="true").returncode == 0


@pytest.mark.parametrize(
    ("nice", "refused"),
    [("0", ""), ("19", ""), ("20", "maximum of 19"), ("-1", "minimum of 0"), ("x", "whole number")],
)
def test_the_workers_priority_is_one_nice_allows(nice, refused):
    result = _settings_in_a_fresh_process(COXA_DEBUG="true", COXA_WORKER_NICE=nice)
    assert (result.returncode != 0, refused in result.stderr) == (bool(refused), True)


def test_an_unsupported_database_is_refused():
    result = _settings_in_a_fresh_process(COXA_DEBUG="true", COXA_DATABASE_URL="mysql://x/y")
    assert "not supported" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    source = (
        "".join(
            (ROOT / "coxa" / "config" / name).read_text() for name in ("settings.py", "service.py")
        )
        + (ROOT / "coxa" / "demo" / "management" / "commands" / "demo.py").read_text()
        + (ROOT / "deploy" / "gunicorn.conf.py").read_text()  # COXA_WEB_* (issue 18)
    )
    read = set(re.findall(r'"(COXA_[A-Z_]+)"', source))
    documented = set(
        re.findall(r"^#?\s*(COXA_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read == documented


@pytest.mark.django_db
def test_health_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()["database"]) == (200, "ok")


@pytest.mark.django_db
def test_health_is_unavailable_when_the_database_is_not(client):
    with mock.patch("coxa.config.health.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert (response.status_code, response.json()["database"]) == (503, "unreachable")


@pytest.mark.contract
@pytest.mark.django_db
def test_openapi_matches_the_committed_snapshot(client):
    served = client.get("/api/v1/openapi.json").json()
    committed = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())
    assert served == committed, "API changed: review it, then run `make snapshots`"


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/ninja/" in page
