"""What the prefetch lacks is fetched from the EHR's FHIR server, bounded, and only from a
server Coxa is configured for (H96): tested against a FHIR server this test starts itself."""

import copy
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from coxa.cds import fetch
from coxa.cds.domain.prefetch import OBSERVATION_CODES, TEMPLATES
from coxa.cds.tests.test_cds_hooks import REQUEST, bundle, observation
from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN = "ehr-issued-token-for-coxa"


class FhirServer:
    """A small FHIR server on 127.0.0.1: the request's patient, and what each search finds."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, list[str]], str]] = []  # path, query, token
        self.answers: dict[str, Any] = {}  # resource type -> its answer
        self.status = 200
        self.delay = 0.0
        self.redirect_to = ""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                server.asked.append(
                    (url.path, parse_qs(url.query), self.headers.get("Authorization", ""))
                )
                time.sleep(server.delay)
                if server.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to)
                    self.end_headers()
                    return
                kind = url.path.removeprefix("/fhir/").split("/")[0]
                body = json.dumps(server.answers.get(kind, bundle())).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler


@pytest.fixture
def ehr_fhir(settings) -> Iterator[FhirServer]:
    server = FhirServer()
    prefetch = REQUEST["prefetch"]
    server.answers = {
        "Patient": prefetch["patient"],
        "Condition": prefetch["conditions"],
        "Observation": prefetch["observations"],
        "MedicationStatement": prefetch["medications"],
        "AllergyIntolerance": prefetch["allergies"],
    }
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    settings.CDS_FHIR_SERVERS = [server.base]
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _asking(server: FhirServer, prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    body = copy.deepcopy(REQUEST)
    body["prefetch"] = prefetch or {}
    body["fhirServer"] = server.base + "/"  # as an EHR may write it, with a final slash
    body["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Condition.read user/Observation.read",
        "subject": "coxa",
    }
    return body


def test_h96_what_the_prefetch_lacks_is_fetched_with_the_bounded_templates(
    cds_as, surgeon, ehr_fhir
):
    response = cds_as(surgeon)(_asking(ehr_fhir))
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="cds.patient-view")
    assert "conditions" in event.details["fetched"]
    assert TOKEN not in json.dumps(event.details)
    prefetched = cds_as(surgeon)(REQUEST).json()["cards"]
    assert [c["summary"] for c in response.json()["cards"]] == [c["summary"] for c in prefetched]
    assert {token for _, _, token in ehr_fhir.asked} == {f"Bearer {TOKEN}"}
    assert len(ehr_fhir.asked) == len(TEMPLATES)  # every search once, and nothing more
    paths = {path for path, _, _ in ehr_fhir.asked}
    assert "/fhir/Patient/1288992" in paths
    codes = set()
    for path, query, _ in ehr_fhir.asked:
        if path != "/fhir/Patient/1288992":
            assert query["patient"] == ["1288992"]
            assert int(query["_count"][0]) <= 200
        if path == "/fhir/Observation":
            codes.add(query["code"][0].removeprefix("http://loinc.org|"))
    assert codes == set(OBSERVATION_CODES)


def test_only_the_searches_the_prefetch_lacks_are_fetched(cds_as, surgeon, ehr_fhir):
    prefetch = copy.deepcopy(REQUEST["prefetch"])
    del prefetch["medications"]
    response = cds_as(surgeon)(_asking(ehr_fhir, prefetch))
    assert response.status_code == 200
    assert [path for path, _, _ in ehr_fhir.asked] == ["/fhir/MedicationStatement"]


def test_h96_a_server_coxa_is_not_configured_for_is_never_asked(
    cds_as, surgeon, ehr_fhir, settings
):
    settings.CDS_FHIR_SERVERS = ["https://ehr.example.org/fhir"]
    response = cds_as(surgeon)(_asking(ehr_fhir))
    assert response.status_code == 412
    assert "is not a FHIR server Coxa may query" in response.json()["issue"][0]["diagnostics"]
    assert ehr_fhir.asked == []


def test_h96_a_server_on_the_list_cannot_redirect_coxa_elsewhere(cds_as, surgeon, ehr_fhir):
    elsewhere = FhirServer()
    threading.Thread(target=elsewhere.httpd.serve_forever, daemon=True).start()
    try:
        ehr_fhir.redirect_to = f"{elsewhere.base}/Patient/1288992"
        response = cds_as(surgeon)(_asking(ehr_fhir))
        assert response.status_code == 412
        assert "HTTP 302" in response.json()["issue"][0]["diagnostics"]
        assert elsewhere.asked == []
    finally:
        elsewhere.httpd.shutdown()
        elsewhere.httpd.server_close()


def test_a_search_the_server_refuses_is_left_unsatisfied(cds_as, surgeon, ehr_fhir):
    ehr_fhir.status = 401
    response = cds_as(surgeon)(_asking(ehr_fhir))
    assert response.status_code == 412
    assert "patient: HTTP 401" in response.json()["issue"][0]["diagnostics"]


def test_a_slow_server_is_given_up_on_in_time(cds_as, surgeon, ehr_fhir, monkeypatch):
    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(fetch, "DEADLINE_SECONDS", 0.5)
    ehr_fhir.delay = 0.4
    started = time.monotonic()
    response = cds_as(surgeon)(_asking(ehr_fhir))
    assert response.status_code == 412
    assert time.monotonic() - started < 3
    assert "no answer in time" in response.json()["issue"][0]["diagnostics"]


def test_an_answer_too_large_is_dropped_unread(cds_as, surgeon, ehr_fhir, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_BYTES", 2000)
    ehr_fhir.answers["Observation"] = bundle(
        *[observation("39156-5", 30.0 + i, "kg/m2") for i in range(40)]
    )
    prefetch = copy.deepcopy(REQUEST["prefetch"])
    del prefetch["observations"]
    response = cds_as(surgeon)(_asking(ehr_fhir, prefetch))
    assert response.status_code == 200  # the patient and conditions were prefetched
    assert "BMI is not recorded" in response.json()["cards"][1]["detail"]  # dropped unread
    event = AuditEvent.objects.get(action="cds.patient-view")
    assert any("larger than 2,000 bytes" in f for f in event.details["fetch_failed"])


def test_without_a_token_nothing_is_fetched(cds_as, surgeon, ehr_fhir):
    body = _asking(ehr_fhir)
    del body["fhirAuthorization"]
    response = cds_as(surgeon)(body)
    assert response.status_code == 412
    assert ehr_fhir.asked == []
