"""The decision engine through the API, the `coxa evaluate` command and the staff page."""

import json
import subprocess
import sys

import pytest

from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.decisions.models import EpisodeDecision
from coxa.pathways import services as pathways

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


@pytest.fixture
def episode(nurse, bert):
    return pathways.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)


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
        "catalogue_version",
    }
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
        ({"smoking": "sometimes"}, "smoking", "invalid-input"),
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


@pytest.mark.django_db
def test_an_episode_decision_is_stored_with_its_versions_and_audited(api_as, surgeon, episode):
    api = api_as(surgeon)
    created = api.post(f"/api/v1/episodes/{episode.public_id}/decisions")
    assert created.status_code == 201
    body = created.json()
    # Coxa holds the sex, age and hip only: everything else is unknown, never a pass.
    assert body["decision"]["candidacy"] == "insufficient-data"
    assert body["rule_versions"]["bhr.sex"] == 1
    assert body["catalogue_hash"] == EpisodeDecision.objects.get().catalogue_hash
    assert body["document"]["patient"]["sex"] == "male"
    listed = api.get(f"/api/v1/episodes/{episode.public_id}/decisions").json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert AuditEvent.objects.filter(action="decision.record").count() == 1


@pytest.mark.django_db
def test_roles_that_may_not_record_decisions(api_as, admin, episode):
    response = api_as(admin).post(f"/api/v1/episodes/{episode.public_id}/decisions")
    assert response.status_code == 403
    assert not EpisodeDecision.objects.exists()


@pytest.mark.django_db
def test_the_staff_page_evaluates_and_shows_reasons(web_as, surgeon, episode):
    client = web_as(surgeon)
    url = f"/staff/episodes/{episode.public_id}/decision/"
    assert "No decision has been evaluated" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    page = client.get(url).content.decode()
    assert "insufficient-data" in page
    assert "Templated femoral head size is not recorded." in page
    assert "MHRA MDA/2015/024" in page


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
    assert _evaluate("-", stdin="{not json").returncode == 2
