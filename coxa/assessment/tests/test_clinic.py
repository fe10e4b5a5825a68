"""The nurse's clinic through the services and the API."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Observation, Readiness
from coxa.assessment.services import entries, readiness
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.core.models import AuditEvent
from coxa.pathways import services as pathways
from coxa.pathways.models import Episode, EpisodeTransition
from tests.journeys import pre_assessment

pytestmark = pytest.mark.django_db


def today():
    return clock.today()


def record(kind, episode, by, **data):
    return entries.record_entry(kind=kind, episode=episode, payload=data, by=by, via=Via.WEB)


def all_gates_passing(episode, nurse, bmi=29.0):
    """Everything the catalogue requires for a BHR, normal except the BMI given."""
    for kind, payload in pre_assessment(episode, today()):
        values = payload | {"value": bmi} if payload.get("code") == "bmi" else payload
        record(Kind(kind), episode, nurse, **values)


def test_an_observation_is_stored_as_recorded_and_normalised(listed, nurse):
    stored = record(
        Kind.OBSERVATION,
        listed,
        nurse,
        code="haemoglobin",
        value=12.9,
        unit="g/dL",
        observed_on=today(),
    )
    assert (stored.value, stored.unit, stored.value_as_recorded, stored.unit_as_recorded) == (
        129.0,
        "g/L",
        12.9,
        "g/dL",
    )
    assert AuditEvent.objects.filter(action="assessment.observation.record").exists()


def test_bmi_40_puts_the_episode_in_optimising_and_passing_gates_make_it_ready(listed, nurse):
    all_gates_passing(listed, nurse, bmi=41.0)
    listed.refresh_from_db()
    assert listed.state == "optimising"
    reason = EpisodeTransition.objects.filter(episode=listed).last().reason
    assert "BMI 41" in reason
    record(
        Kind.OBSERVATION, listed, nurse, code="bmi", value=37.5, unit="kg/m2", observed_on=today()
    )
    listed.refresh_from_db()
    assert listed.state == "ready"
    assert (
        EpisodeTransition.objects.filter(episode=listed)
        .last()
        .reason.startswith("Ready: every requirement is met and valid")
    )
    assert Readiness.objects.get(episode=listed).readiness == "ready"


def test_missing_results_leave_the_state_alone(listed, nurse):
    record(Kind.OBSERVATION, listed, nurse, code="bmi", value=30, unit="kg/m2", observed_on=today())
    listed.refresh_from_db()
    assert listed.state == "listed"
    panel = Readiness.objects.get(episode=listed).panel
    statuses = {r["code"]: r["status"] for r in panel["requirements"]}
    assert statuses["bmi"] == "met"
    assert statuses["blood-pressure"] == "missing"


def test_a_correction_supersedes_and_keeps_the_old_entry(listed, nurse):
    wrong = record(
        Kind.OBSERVATION, listed, nurse, code="bmi", value=43, unit="kg/m2", observed_on=today()
    )
    with pytest.raises(InvalidInput, match="reason"):
        entries.record_entry(
            kind=Kind.OBSERVATION,
            episode=listed,
            by=nurse,
            via=Via.WEB,
            payload={"code": "bmi", "value": 34, "unit": "kg/m2", "observed_on": today()},
            corrects=str(wrong.public_id),
        )
    fixed = entries.record_entry(
        kind=Kind.OBSERVATION,
        episode=listed,
        by=nurse,
        via=Via.WEB,
        corrects=str(wrong.public_id),
        reason="Weight typed in pounds",
        payload={"code": "bmi", "value": 34, "unit": "kg/m2", "observed_on": today()},
    )
    wrong.refresh_from_db()
    assert (wrong.is_current, wrong.value, fixed.supersedes) == (False, 43, wrong)
    assert Observation.objects.filter(code="bmi").count() == 2
    actions = list(
        AuditEvent.objects.filter(action__startswith="assessment.observation").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["assessment.observation.correct", "assessment.observation.record"]


def test_systolic_below_the_same_days_diastolic_is_refused(listed, nurse):
    record(
        Kind.OBSERVATION,
        listed,
        nurse,
        code="diastolic_bp",
        value=90,
        unit="mm[Hg]",
        observed_on=today(),
    )
    with pytest.raises(InvalidInput) as error:
        record(
            Kind.OBSERVATION,
            listed,
            nurse,
            code="systolic_bp",
            value=85,
            unit="mm[Hg]",
            observed_on=today(),
        )
    assert error.value.field == "value"


def test_the_operation_date_sets_medicine_stop_dates(listed, nurse):
    on = today()
    record(
        Kind.MEDICATION,
        listed,
        nurse,
        name="Aspirin 75 mg",
        **{"class": "antiplatelet"},
        atc="B01AC06",
        indication="primary-prevention",
        recorded_on=on,
    )
    record(Kind.HISTORY, listed, nurse, coronary_stent_or_recent_acs=False, recorded_on=on)
    operation = on + dt.timedelta(days=40)
    readiness.plan_operation(episode=listed, operation_on=operation, by=nurse, via=Via.WEB)
    stops = Readiness.objects.get(episode=listed).panel["medication_stops"]
    assert stops[0]["stop_on"] == (operation - dt.timedelta(days=10)).isoformat()
    with pytest.raises(InvalidInput, match="reason"):
        readiness.plan_operation(
            episode=listed, operation_on=operation + dt.timedelta(days=7), by=nurse, via=Via.WEB
        )


@pytest.fixture
def nurse_api(api_as, nurse):
    return api_as(nurse)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_api_records_and_reports_readiness(nurse_api, listed):
    base = f"/api/v1/episodes/{listed.public_id}"
    created = post(
        nurse_api,
        f"{base}/observations",
        {"code": "bmi", "value": 42, "unit": "kg/m2", "observed_on": str(today())},
    )
    assert created.status_code == 201
    assert created.json()["data"]["value"] == 42
    med = post(
        nurse_api,
        f"{base}/medications",
        {"name": "Ibuprofen", "class": "nsaid", "atc": "M01AE01", "recorded_on": str(today())},
    )
    assert med.status_code == 201
    readiness = nurse_api.get(f"{base}/readiness").json()
    assert readiness["readiness"] == "optimise"
    bmi = next(r for r in readiness["requirements"] if r["code"] == "bmi")
    assert (bmi["status"], bmi["action"]) == (
        "abnormal",
        "Refer for weight management before surgery.",
    )
    assert readiness["medication_stops"][0]["medication"] == "Ibuprofen"
    assert set(readiness["medication_stops"][0]) >= {"medication", "stop_on", "restart_on"}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"code": "haemoglobin", "value": 260, "unit": "g/L"}, "value", "implausible-value"),
        ({"code": "bmi", "value": 8, "unit": "kg/m2"}, "value", "implausible-value"),
        ({"code": "weight", "value": 12, "unit": "stone"}, "unit", "unknown-unit"),
        ({"code": "glucose", "value": 5, "unit": "mmol/L"}, "code", "invalid-value"),
        (
            {"code": "bmi", "value": 30, "unit": "kg/m2", "observed_on": "2999-01-01"},
            "observed_on",
            "date-in-future",
        ),
    ],
)
def test_the_api_refuses_bad_observations_saving_nothing(nurse_api, listed, body, field, code):
    response = post(
        nurse_api,
        f"/api/v1/episodes/{listed.public_id}/observations",
        {"observed_on": str(today())} | body,
    )
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not Observation.objects.exists()


def test_corrections_through_the_api(nurse_api, listed):
    base = f"/api/v1/episodes/{listed.public_id}/observations"
    first = post(
        nurse_api,
        base,
        {"code": "egfr", "value": 50, "unit": "mL/min/{1.73_m2}", "observed_on": str(today())},
    ).json()
    fixed = post(
        nurse_api,
        f"{base}/{first['id']}/corrections",
        {
            "code": "egfr",
            "value": 80,
            "unit": "mL/min/{1.73_m2}",
            "observed_on": str(today()),
            "reason": "Wrong patient's result",
        },
    )
    assert fixed.status_code == 201
    assert fixed.json()["supersedes"] == first["id"]
    entries = nurse_api.get(f"/api/v1/episodes/{listed.public_id}/entries").json()
    assert [(e["data"]["value"], e["is_current"]) for e in entries] == [(80, True), (50, False)]


def test_hip_entries_and_imaging_validation(nurse_api, listed):
    base = f"/api/v1/episodes/{listed.public_id}"
    bad = post(
        nurse_api,
        f"{base}/imaging",
        {
            "modality": "mri",
            "side": "left",
            "imaged_on": str(today()),
            "avn_system": "ficat-arlet",
            "avn_stage": "3b",
        },
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "avn_stage")
    good = post(
        nurse_api,
        f"{base}/imaging",
        {
            "modality": "x-ray",
            "side": "left",
            "imaged_on": str(today()),
            "diagnosis": "osteoarthritis",
            "templated_head_size_mm": 50,
            "acetabular_bone_stock": "adequate",
        },
    )
    assert good.status_code == 201
    for path, body in (
        ("asa", {"grade": "II", "assessed_on": str(today())}),
        (
            "anaesthetic",
            {
                "options_discussed": ["general", "spinal"],
                "preference": "spinal",
                "discussed_on": str(today()),
                "consultant_note": "Spinal preferred.",
            },
        ),
        (
            "examinations",
            {
                "flexion_deg": 95,
                "leg_length_difference_mm": -5,
                "gait": "antalgic",
                "examined_on": str(today()),
            },
        ),
    ):
        assert post(nurse_api, f"{base}/{path}", body).status_code == 201, path


def test_roles_that_may_not_record(api_as, analyst, admin, listed):
    for user in (analyst, admin):
        response = post(
            api_as(user),
            f"/api/v1/episodes/{listed.public_id}/observations",
            {"code": "bmi", "value": 30, "unit": "kg/m2", "observed_on": str(today())},
        )
        assert response.status_code == 403


def test_the_worklist_flags_filters_and_exports(nurse_api, web_as, nurse, listed):
    record(Kind.OBSERVATION, listed, nurse, code="bmi", value=42, unit="kg/m2", observed_on=today())
    page = nurse_api.get("/api/v1/worklists/pre-assessment").json()
    row = next(r for r in page["items"] if r["episode_id"] == str(listed.public_id))
    assert {"missing", "unactioned"} <= set(row["flags"])
    assert nurse_api.get("/api/v1/worklists/pre-assessment?flag=stops-due").json()["count"] == 0
    assert nurse_api.get("/api/v1/worklists/pre-assessment?flag=nope").status_code == 400
    csv = web_as(nurse).get("/staff/worklists/pre-assessment.csv?flag=unactioned")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("episode_id,patient")
    assert str(listed.public_id) in lines[1]
    exported = AuditEvent.objects.get(action="worklist.pre-assessment.export")
    assert (exported.actor_username, exported.summary) == (
        nurse.username,
        f"Pre-assessment worklist exported ({len(lines) - 1} rows)",
    )
    assert exported.details["filters"]["flag"] == "unactioned"


def test_the_worklist_costs_the_same_queries_however_long(nurse_api, nurse, surgeon, bert, ada):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert nurse_api.get("/api/v1/worklists/pre-assessment").status_code == 200
        return len(captured)

    def listed(patient, side):
        episode = pathways.open_episode(
            patient=patient, side=side, procedure="bhr", by=nurse, via=Via.WEB
        )
        for state in ("assessed", "listed"):
            pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)

    listed(bert, "left")  # one row: the page's rows are read (an empty page asks nothing)
    queries()  # the first request also stamps the token's last use
    few = queries()
    listed(bert, "right")
    for side in ("left", "right"):
        listed(ada, side)
    assert Episode.objects.filter(state="listed").count() == 4
    assert queries() == few


def test_the_letter_as_a_page_and_a_pdf(web_as, nurse, listed):
    on = today()
    record(
        Kind.MEDICATION,
        listed,
        nurse,
        name="Naproxen",
        **{"class": "nsaid"},
        atc="M01AE02",
        recorded_on=on,
    )
    record(Kind.SMOKING, listed, nurse, status="current", recorded_on=on)
    readiness.plan_operation(
        episode=listed, operation_on=on + dt.timedelta(days=30), by=nurse, via=Via.WEB
    )
    client = web_as(nurse)
    page = client.get(f"/staff/episodes/{listed.public_id}/letter/").content.decode()
    stop = on + dt.timedelta(days=20)
    assert "Naproxen" in page
    assert f"Do not take it from {stop:%A} {stop.day} {stop:%B %Y}" in page
    assert "at least four weeks" in page
    pdf = client.get(f"/staff/episodes/{listed.public_id}/letter.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_clinic_page_records_and_explains_refusals(web_as, nurse, listed):
    client = web_as(nurse)
    url = f"/staff/episodes/{listed.public_id}/clinic/"
    assert "Ready for surgery" in client.get(url).content.decode()
    bad = client.post(
        f"{url}observation/",
        {"code": "haemoglobin", "value": "300", "unit": "g/L", "observed_on": str(today())},
    )
    assert bad.status_code == 400
    assert "outside the plausible range" in bad.content.decode()
    good = client.post(
        f"{url}observation/",
        {"code": "bmi", "value": "31", "unit": "kg/m2", "observed_on": str(today())},
    )
    assert good.status_code == 302
    assert Observation.objects.filter(code="bmi").exists()


def test_a_medicine_recorded_as_stopped_no_longer_counts(listed, nurse):
    on = today()
    record(
        Kind.MEDICATION,
        listed,
        nurse,
        name="Aspirin",
        **{"class": "antiplatelet"},
        atc="B01AC06",
        recorded_on=on,
    )
    record(
        Kind.MEDICATION,
        listed,
        nurse,
        name="aspirin",
        **{"class": "antiplatelet"},
        active=False,
        atc="B01AC06",
        recorded_on=on,
    )
    assert readiness.evaluate_episode(listed).panel.medication_stops == ()
