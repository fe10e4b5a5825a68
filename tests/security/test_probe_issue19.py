"""Security probe of issue 19's new ways in: the FHIR API and its bulk export, SMART Backend
Services (/oauth/token) and the CDS Hooks service's signed-JWT callers.

Tests that show a control holds pass; tests that demonstrate a defect still open are marked
``xfail(strict=True)`` with the defect as the reason, so they start failing (XPASS) once fixed.
The defects fixed with this probe (500s on bounded inputs, a narrowed token taking an export's
files, a search's audit record naming no patient, a NUL in a path) are plain tests.
Keys are made in the test (``coxa.accounts.tests.systems``), never committed.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import urlencode

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from django.test import Client

from coxa.accounts.services import systems
from coxa.accounts.tasks import clean_up
from coxa.accounts.tests.systems import CDS_URL, TOKEN_URL, Signer, connect, key_pair
from coxa.cds import views as cds_views
from coxa.conftest import token_for
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.interop import tasks as export_tasks
from coxa.interop.models import BulkExport, ExportFile
from coxa.interop.tasks import clean_up_exports
from coxa.outcomes.services.responses import record_response
from coxa.surgery.models import Implant
from coxa.surveillance.domain.inputs import MetalIonsIn
from coxa.surveillance.services import records
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
HOOS = {
    "pain-stairs": 1,
    "pain-uneven-ground": 1,
    "rising-from-sitting": 0,
    "bending-to-floor": 2,
    "lying-in-bed": 0,
    "sitting": 0,
}


# ---------------------------------------------------------------- helpers
def ask_token(assertion, scope="system/*.rs", **extra):
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": scope,
    } | extra
    return Client().post(
        "/oauth/token", urlencode(form), content_type="application/x-www-form-urlencoded"
    )


def smart_token(signer, scope="system/*.rs"):
    return signer.access_token(scope)


def get(token, path, **headers):
    client = Client(raise_request_exception=False)
    return client.get(path, headers={"Authorization": f"Bearer {token}"} | headers)


def matches(response):
    assert response.status_code == 200, response.content
    return [e["resource"] for e in response.json()["entry"] if e["search"]["mode"] == "match"]


def kick_off(token, path="/fhir/$export", **query):
    url = path + ("?" + urlencode(query) if query else "")
    return get(token, url, Prefer="respond-async")


def local(url):
    return url.removeprefix("http://testserver")


@pytest.fixture
def world(surgeon, bert, ada):
    """Bert's resurfaced hip with a questionnaire and blood metal levels; Ada's own hip."""
    hip = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )
    ada_hip = walk_to(
        "recovering",
        patient=ada,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
        procedure="core-decompression",
        side="right",
    )
    six_weeks = OPERATED + dt.timedelta(days=42)
    with at_time(six_weeks):
        answered = record_response(
            episode=hip, instrument="hoos-jr", answers=HOOS, completed_on=six_weeks,
            by=surgeon, via=Via.WEB,
        )  # fmt: skip
    year = OPERATED + dt.timedelta(days=360)
    with at_time(year):
        levels = records.record_metal_ions(
            episode=hip,
            entry=MetalIonsIn.model_validate(
                {
                    "sampled_on": year,
                    "matrix": "whole-blood",
                    "laboratory": "Lab",
                    "cobalt": {"value": 119, "unit": "nmol/L"},
                    "chromium": {"value": 1.2, "unit": "ug/L"},
                }
            ),
            by=surgeon,
            via=Via.WEB,
        )
    return {"hip": hip, "ada_hip": ada_hip, "response": answered, "levels": levels}


def berts_ids(world, nurse, bert):
    """One id of each of Bert's resources, as the FHIR API names them."""
    hip, note = world["hip"], world["hip"].operation_note
    clinic = matches(get(token_for(nurse), f"/fhir/Observation?patient={bert.public_id}"))
    plain = next(o["id"] for o in clinic if not o["id"].endswith(("-cobalt", "-chromium")))
    return {
        "Patient": str(bert.public_id),
        "EpisodeOfCare": str(hip.public_id),
        "Condition": str(hip.public_id),
        "CarePlan": str(hip.public_id),
        "Procedure": str(note.public_id),
        "Device": f"{note.public_id}-{Implant.objects.filter(note=note).first().position}",
        "QuestionnaireResponse": str(world["response"].public_id),
        "Observation": plain,
        "Observation (metal)": f"{world['levels'].public_id}-cobalt",
    }


# ---------------------------------------------------------------- a patient's token
def test_a_patients_token_reaches_no_other_patient_by_any_id_or_parameter(
    world, nurse, ada_user, ada, bert
):
    ids = berts_ids(world, nurse, bert)
    token = token_for(ada_user)
    for name, id_ in ids.items():
        type_ = name.split()[0]
        read = get(token, f"/fhir/{type_}/{id_}")
        fake = id_.replace(id_[:8], "0" * 8)  # the same form, no such record
        absent = get(token, f"/fhir/{type_}/{fake}")
        assert (read.status_code, read.json()) == (404, absent.json()), name  # nothing told
        assert matches(get(token, f"/fhir/{type_}?_id={id_}")) == [], name
        assert matches(get(token, f"/fhir/{type_}?_id={id_},{fake}&patient={ada.public_id}")) == []
    nhs = "https://fhir.nhs.uk/Id/nhs-number|9434765919"
    assert matches(get(token, f"/fhir/Patient?identifier={nhs}")) == []
    assert matches(get(token, f"/fhir/Observation?patient=Patient/{bert.public_id}")) == []
    metal = ids["Observation (metal)"].removesuffix("-cobalt")
    assert matches(get(token, f"/fhir/Observation?_id={metal}-chromium,{metal}")) == []
    # A staff member's paging link handed to the patient still reads only the patient's own.
    page = get(token_for(nurse), "/fhir/Patient?_count=1").json()
    following = next(link["url"] for link in page["link"] if link["relation"] == "next")
    assert {p["id"] for p in matches(get(token, local(following)))} <= {str(ada.public_id)}


# ---------------------------------------------------------------- a system's token and scopes
def test_a_system_access_token_is_refused_by_the_cds_service_and_the_json_api(connected_system):
    token = smart_token(connected_system)
    cds = Client().post(
        "/cds-services/coxa-hip-decisions", {}, content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert cds.status_code == 401
    assert get(token, "/api/v1/patients").status_code == 401


@pytest.mark.parametrize(
    ("scope", "path", "status"),
    [
        ("system/Patient.r", "/fhir/Patient", 403),  # read is not search
        ("system/Patient.s", "/fhir/Patient/{bert}", 403),  # search is not read
        ("system/Patient.rs", "/fhir/Observation?_id={metal}", 403),  # not by _id either
        ("system/Patient.rs", "/fhir/Observation/{metal}", 403),
        ("system/Observation.r", "/fhir/Observation?_id={metal}", 403),
        ("system/Observation.s", "/fhir/Observation?_id={metal}", 200),
        ("system/Observation.r", "/fhir/Observation/{metal}", 200),
    ],
)
def test_a_scoped_token_reads_and_searches_only_what_it_was_granted(
    world, connected_system, bert, scope, path, status
):
    token = smart_token(connected_system, scope)
    metal = f"{world['levels'].public_id}-cobalt"
    answer = get(token, path.format(bert=bert.public_id, metal=metal))
    assert answer.status_code == status, answer.content


def test_an_export_never_reaches_past_the_search_scopes(world, connected_system):
    read_only = smart_token(connected_system, "system/*.r")
    assert kick_off(read_only).status_code == 403
    patients = smart_token(connected_system, "system/Patient.rs")
    assert kick_off(patients, "/fhir/Group/bhr/$export", _type="Observation").status_code == 403
    status = local(kick_off(patients, "/fhir/Group/bhr/$export")["Content-Location"])
    assert {o["type"] for o in get(patients, status).json()["output"]} == {"Patient"}


def test_a_narrowed_token_cannot_take_an_earlier_exports_files_beyond_its_scopes(
    world, connected_system
):
    wide = smart_token(connected_system)
    manifest = get(wide, local(kick_off(wide)["Content-Location"])).json()
    observations = next(o["url"] for o in manifest["output"] if o["type"] == "Observation")
    client_id = connected_system.client.client_id
    systems.set_scopes(client_id=client_id, scopes=["system/Patient.rs"])  # the operator narrows
    narrow = smart_token(connected_system, "system/Patient.rs")
    taken = get(narrow, local(observations))
    assert taken.status_code == 403
    assert not AuditEvent.objects.filter(action="fhir.export-file").exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=connected_system.user).exists()


# ---------------------------------------------------------------- forged and replayed JWTs
def _public_pem(signer):
    return signer.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _claims(signer, audience):
    now = int(clock.now().timestamp())
    own = signer.client.client_id
    return {"iss": own, "sub": own, "aud": audience, "exp": now + 240, "jti": str(uuid.uuid4())}


def _hs256_with_the_public_key(signer):
    # Algorithm confusion: the public key, which anyone may have, used as an HMAC secret.
    # PyJWT refuses a PEM as an HMAC secret itself, so sign the bytes by hand.
    def part(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    body = part(json.dumps(_claims(signer, TOKEN_URL)).encode())
    mac = hmac.new(_public_pem(signer), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(mac)}"


def _own_key_in_the_header(signer):
    # The attacker's own key, embedded as `jwk`, naming the registered kid.
    private, public = key_pair(kid="key-1")
    return Signer(signer.client, private).assertion(header={"jwk": public})


def _x5u_header(signer):
    private, _ = key_pair(kid="key-1")
    return Signer(signer.client, private).assertion(header={"x5u": "https://evil.example/c"})


def _an_rsa_signature_naming_the_ec_key(signer):
    private, _ = key_pair("RS384", kid="key-1")
    return Signer(signer.client, private, algorithm="RS384").assertion()


@pytest.mark.parametrize(
    ("forge", "said"),
    [
        (_hs256_with_the_public_key, "sign with RS384 or ES384"),
        (_own_key_in_the_header, "signature"),
        (_x5u_header, "signature"),
        (_an_rsa_signature_naming_the_ec_key, "no single RSA key"),
        (lambda s: s.assertion(nbf=int(clock.now().timestamp()) + 3600), "future"),
        (lambda s: s.assertion(exp=10**12), "five minutes"),
        (lambda s: s.assertion(exp=True), "seconds since 1970"),
        (lambda s: s.assertion(jti=12345), "must be a string"),
        (lambda s: s.assertion(jti="j" * 256), "jti must be"),
        (lambda s: s.cds_jwt(), "no connected system"),  # a CDS JWT is no client assertion
        (lambda s: s.assertion(audience=CDS_URL), "aud must be"),
    ],
)
def test_a_forged_assertion_gets_no_token(connected_system, forge, said):
    answer = ask_token(forge(connected_system))
    assert answer.status_code in (400, 401), answer.content
    assert said in answer.json()["error_description"]


def test_a_client_assertion_is_no_cds_jwt_and_a_cds_jwt_is_used_once_on_one_endpoint(
    connected_system,
):
    service = f"/cds-services/{cds_views.SERVICE_ID}"

    def post(path, token):
        return Client().post(
            path, {"feedback": []}, content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip

    assert post(service, connected_system.assertion(audience=CDS_URL)).status_code == 401
    made_for_the_service = connected_system.cds_jwt()
    assert post(f"{service}/feedback", made_for_the_service).status_code == 401  # aud differs
    replayed = connected_system.cds_jwt(audience=f"{CDS_URL}/feedback")
    assert post(f"{service}/feedback", replayed).status_code != 401
    assert post(f"{service}/feedback", replayed).status_code == 401


def test_a_replayed_assertion_is_refused_until_long_after_it_expired(connected_system):
    # Times are counted from a whole second held still, so a slow machine cannot move "69 s
    # later" past the expiry plus leeway (exp is whole seconds; the wall clock runs on).
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        assertion = connected_system.assertion(seconds=60)
        assert ask_token(assertion).status_code == 200
    for later in (30, 55, 69):  # within its life and the ten seconds' leeway
        with time_machine.travel(start + dt.timedelta(seconds=later), tick=False):
            replayed = ask_token(assertion)
            assert replayed.status_code == 401
            assert "jti was used before" in replayed.json()["error_description"]


@pytest.mark.xfail(
    strict=True,
    reason="H97 residual: anyone may append an audit record to the append-only log with each "
    "unreadable bearer token sent to /cds-services (refused CDS JWTs are audited, never counted "
    "towards a lock-out), so the log grows without bound at an anonymous caller's pace",
)
def test_anonymous_garbage_at_the_cds_service_cannot_grow_the_audit_log_without_bound(db, settings):
    before = AuditEvent.objects.count()
    for _ in range(settings.AXES_FAILURE_LIMIT + 10):
        Client().post(
            "/cds-services/coxa-hip-decisions", {}, content_type="application/json",
            headers={"Authorization": "Bearer not-a-jwt"},
        )  # fmt: skip
    assert AuditEvent.objects.count() - before <= settings.AXES_FAILURE_LIMIT


# ---------------------------------------------------------------- bulk export's status and files
@pytest.fixture
def exported(world, connected_system):
    """A finished export of every type by the Ward EHR: its token, status and file addresses."""
    token = smart_token(connected_system)
    status = local(kick_off(token)["Content-Location"])
    manifest = get(token, status).json()
    return token, status, {o["type"]: local(o["url"]) for o in manifest["output"]}


@pytest.mark.parametrize(
    "name",
    [
        "Patient-1.ndjson/..",
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E",
        "Patient-0.ndjson",
        "Patient--1.ndjson",
        "Patient-99999999999999999999.ndjson",
        "Patient-" + "1" * 4400 + ".ndjson",
        "Encounter-1.ndjson",
        "-1",
    ],
)
def test_no_name_reaches_another_file_nor_fails(exported, name):
    token, status, _ = exported
    export_id = status.rsplit("/", 1)[1]
    answer = get(token, f"/fhir/$export-file/{export_id}/{name}")
    assert answer.status_code == 404, answer.content
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_another_system_a_person_and_a_deleted_export_get_nothing(exported, nurse):
    token, status, files = exported
    registry = smart_token(connect("Registry", cds_issuer="https://registry.example/"))
    for path in (status, files["Patient"]):
        assert get(registry, path).status_code == 404
        assert get(token_for(nurse), path).status_code == 403
    deleting = Client().delete(status, headers={"Authorization": f"Bearer {registry}"})
    assert deleting.status_code == 404
    assert Client().delete(status, headers={"Authorization": f"Bearer {token}"}).status_code == 202
    assert get(token, status).status_code == 404
    assert get(token, files["Patient"]).status_code == 404


def test_a_file_past_its_time_is_not_served(exported, connected_system, settings):
    _, _, files = exported
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=settings.JOB_FILE_HOURS, minutes=1)
    with time_machine.travel(later):
        again = smart_token(connected_system)  # a token lives five minutes: ask again
        assert get(again, files["Patient"]).status_code == 404


def test_the_nightly_clean_up_deletes_export_files_past_their_time(exported, settings):
    assert ExportFile.objects.exists()
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=settings.JOB_FILE_HOURS, minutes=1)
    with time_machine.travel(later):
        clean_up_exports.call()
    assert not ExportFile.objects.exists()


def test_an_export_past_its_time_is_answered_as_gone(exported, connected_system, settings):
    _, status, _ = exported
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=settings.FINISHED_TASK_DAYS + 1)
    with time_machine.travel(later):
        clean_up.call()
        assert get(smart_token(connected_system), status).status_code == 404


def test_a_system_cannot_queue_a_second_export_while_one_runs(
    world, connected_system, database_queue
):
    token = smart_token(connected_system)
    assert kick_off(token).status_code == 202
    assert kick_off(token).status_code == 429
    assert BulkExport.objects.count() == 1


def test_head_on_a_kick_off_starts_nothing(world, connected_system):
    token = smart_token(connected_system)
    Client().head(
        "/fhir/$export", headers={"Authorization": f"Bearer {token}", "Prefer": "respond-async"}
    )
    assert not BulkExport.objects.exists()


def test_a_failed_export_says_it_failed_without_the_workers_error(
    world, connected_system, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("could not connect to db-internal.example:5432 (table coxa_patient)")

    monkeypatch.setattr(export_tasks, "shape", broken)
    token = smart_token(connected_system)
    failed = get(token, local(kick_off(token)["Content-Location"]))
    assert failed.status_code == 500
    assert "db-internal" not in failed.json()["issue"][0]["diagnostics"]


# ---------------------------------------------------------------- hostile query strings
def _many(values):
    return ",".join(values)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("Patient?_count=0", "_count"),
        ("Patient?_count=000000001000", "_count"),  # leading zeros hid a count of 1,000
        ("Patient?_page=0000000019999999999999999999", "_page"),  # an offset SQL cannot hold
        ("Patient?_count=000000001" + "0" * 4400, "_count"),  # past Python's 4,300 digits
        ("Observation?patient={bert}&date=9999-12-31", None),  # the calendar's last day: fine
        ("Observation?patient={bert}&date=0001-01-01", None),  # and its first
        ("Observation?patient={bert}&date=9999-12", None),
        ("Observation?patient={bert}&date=gt9999-12-31", "date"),
        ("Observation?patient={bert}&date=lt0001-01-01", "date"),
        ("Patient?identifier=" + _many(["1"] * 600), "identifier"),  # 1,200 ORs: too deep
        ("Observation?patient={bert}&code=" + _many(["x"] * 1200), "code"),
        ("Device?_id=" + _many(f"{uuid.uuid4()}-1" for _ in range(1200)), "_id"),
        ("Observation?_id=" + _many(str(uuid.uuid4()) for _ in range(10_000)), "_id"),
        ("Patient?" + "&".join(f"_id={uuid.uuid4()}" for _ in range(1100)), None),  # Django's cap
        ("Patient?_id=a&_id=" + _many(["b"] * 100), "_id"),  # counted across repeats
        (f"Device/{uuid.uuid4()}-99999999999999999999", None),
        ("Patient?name=%00", "name"),
    ],
)
def test_a_hostile_search_is_a_4xx_naming_its_parameter_never_a_500(
    world, nurse, bert, query, field
):
    answer = get(token_for(nurse), "/fhir/" + query.format(bert=bert.public_id))
    assert answer.status_code < 500, answer.content
    if field is not None:
        assert answer.status_code == 400
        assert answer.json()["issue"][0]["expression"] == [field]


def test_a_nul_in_a_path_is_refused_before_anything_stores_it(world, ada_user, connected_system):
    token = smart_token(connected_system)
    for path in ("/fhir/Observation/a%00b", "/fhir/$export-file/" + str(uuid.uuid4()) + "/P%00"):
        answer = get(token, path)
        assert answer.status_code == 400
        assert answer.json()["resourceType"] == "OperationOutcome"
    # A patient's refused read is audited with its path: never one PostgreSQL cannot store.
    assert get(token_for(ada_user), "/fhir/Observation/a%00b").status_code == 400
    assert not any("\x00" in e.object_id for e in AuditEvent.objects.all())


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("_since=0001-01-01T00:00:00%2B14:00", "_since"),  # before the calendar in UTC
        ("_since=9999-12-31T23:59:59-14:00", "_since"),  # after it
        ("_type=" + _many(["Patient"] * 500), None),
        ("_since=2026-01-01T00:00:00", "_since"),
    ],
)
def test_a_hostile_kick_off_is_a_4xx_never_a_500(world, connected_system, query, field):
    answer = get(smart_token(connected_system), f"/fhir/$export?{query}", Prefer="respond-async")
    assert answer.status_code < 500, answer.content
    if field is not None:
        assert answer.status_code == 400
        assert answer.json()["issue"][0]["expression"] == [field]


# ---------------------------------------------------------------- CORS and what errors say
@pytest.mark.parametrize(
    "path",
    ["/fhir/metadata", "/fhir/Patient", "/oauth/token", "/.well-known/smart-configuration"],
)
def test_no_browser_on_another_origin_may_read_the_fhir_api_or_the_token_endpoint(
    connected_system, path
):
    token = smart_token(connected_system)
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    preflight = Client().options(path, headers=headers)
    answered = Client().get(path, headers=headers | {"Authorization": f"Bearer {token}"})
    for response in (preflight, answered):
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Allow-Credentials" not in response


def test_cds_cors_allows_any_origin_but_never_credentials(db):
    preflight = Client().options(
        "/cds-services/coxa-hip-decisions",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight


def test_a_system_scoped_away_from_a_type_learns_nothing_of_its_records(world, connected_system):
    token = smart_token(connected_system, "system/Observation.rs")
    there = get(token, f"/fhir/Patient/{world['hip'].patient.public_id}")
    absent = get(token, f"/fhir/Patient/{uuid.uuid4()}")
    assert (there.status_code, there.json()) == (absent.status_code, absent.json())
    assert there.status_code == 403


# ---------------------------------------------------------------- the audit
def test_a_systems_reads_searches_and_exports_are_each_audited(world, connected_system, bert):
    token = smart_token(connected_system)
    system = connected_system.user
    get(token, f"/fhir/Patient/{bert.public_id}")
    get(token, f"/fhir/Observation?patient={bert.public_id}")
    manifest = get(token, local(kick_off(token, _type="Patient")["Content-Location"])).json()
    get(token, local(manifest["output"][0]["url"]))
    done = set(AuditEvent.objects.filter(actor=system).values_list("action", flat=True))
    assert {"fhir.read", "fhir.search", "fhir.export", "fhir.export-file"} <= done
    read = AuditEvent.objects.get(actor=system, action="fhir.read")
    assert read.patient_id == bert.public_id


def test_a_search_that_shows_one_patient_is_on_that_patients_audit_trail(world, nurse, bert):
    token = token_for(nurse)
    metal = f"{world['levels'].public_id}-cobalt"
    nhs = "https://fhir.nhs.uk/Id/nhs-number|9434765919"
    for query in (f"Patient?identifier={nhs}", f"Observation?_id={metal}"):
        assert len(matches(get(token, f"/fhir/{query}"))) == 1
    searches = AuditEvent.objects.filter(actor=nurse, action="fhir.search")
    assert [e.patient_id for e in searches] == [bert.public_id, bert.public_id]
