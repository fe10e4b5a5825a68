"""No identifier in a URL: searches are posted, titles and paths carry UUIDs only (ADR 0012).

Access logs, proxies, browser histories and Referer headers keep URLs. A name, a date of
birth or an NHS number typed into a search must never be part of one.
"""

import re
import uuid

import pytest
from django.test import Client

from coxa.config.tests.test_headers import all_routes
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.core.text import QUERY_MAX
from coxa.pathways import services as pathways
from coxa.patients.views import SEARCH_KEY

SEARCHERS = ["surgeon", "nurse", "anaesthetist", "physio", "admin"]
BARRED = ["analyst", "ada_user"]


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


# ---------------------------------------------------------------- the staff patient search
@pytest.mark.parametrize("role", SEARCHERS)
def test_the_patient_search_posts_and_the_results_come_back_by_get(request, web_as, role, bert):
    client = web_as(request.getfixturevalue(role))
    posted = client.post("/staff/patients/", {"q": "943 476 5919"})
    assert posted.status_code == 302
    assert posted["Location"] == "/staff/patients/"
    shown = client.get(posted["Location"])
    html = shown.content.decode()
    assert "OKAFOR, Bert" in html
    assert 'value="943 476 5919"' in html  # the box keeps what was typed
    # The number in any spelling (a UUID may contain "943" by chance: that is no leak).
    spellings = ("943 476 5919", "943%20476%205919", "943+476+5919", "9434765919")
    assert not any(n in link for link in links(html) for n in spellings)
    assert not any("q=" in link for link in links(html))
    assert client.session[SEARCH_KEY] == "943 476 5919"


def test_the_search_forms_post_with_a_csrf_token(web_as, surgeon):
    client = web_as(surgeon)
    for url in ("/staff/", "/staff/patients/"):
        html = client.get(url).content.decode()
        form = re.search(r'<form method="(\w+)" action="/staff/patients/"[^>]*role="search"', html)
        assert form is not None, url
        assert form.group(1) == "post", url
        assert 'name="csrfmiddlewaretoken"' in html, url


def test_a_posted_search_needs_the_csrf_token(surgeon, bert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(surgeon)
    assert client.post("/staff/patients/", {"q": "okafor"}).status_code == 403


def test_pages_of_results_carry_only_the_page_number(web_as, surgeon, nurse, bert):
    from coxa.conftest import details
    from coxa.patients import services as patients

    for n in range(26):
        patients.register_patient(
            details=details(given_name=f"Ann{chr(97 + n)}", nhs_number="", hospital_number=""),
            by=nurse,
            via=Via.WEB,
        )
    client = web_as(surgeon)
    client.post("/staff/patients/", {"q": "okafor"})
    first = client.get("/staff/patients/").content.decode()
    nexts = [link for link in links(first) if "page=" in link]
    assert nexts == ["?&amp;page=2"]
    second = client.get("/staff/patients/?page=2").content.decode()
    assert "Page 2" in second
    assert "OKAFOR" in second


def test_a_search_too_long_is_refused_beside_the_box_and_not_kept(web_as, surgeon, bert):
    client = web_as(surgeon)
    client.post("/staff/patients/", {"q": "okafor"})
    response = client.post("/staff/patients/", {"q": "o" * (QUERY_MAX + 1)})
    assert response.status_code == 200
    assert f"at most {QUERY_MAX} characters" in response.content.decode()
    assert client.session[SEARCH_KEY] == "okafor"  # the last good search stands
    assert response.context["found"].count == 0
    # At the limit it is a search like any other.
    assert client.post("/staff/patients/", {"q": "o" * QUERY_MAX}).status_code == 302


def test_an_empty_search_clears_the_last(web_as, surgeon, bert):
    client = web_as(surgeon)
    client.post("/staff/patients/", {"q": "okafor"})
    client.post("/staff/patients/", {"q": "  "})
    assert "OKAFOR, Bert" not in client.get("/staff/patients/").content.decode()


def test_searches_belong_to_their_session(web_as, surgeon, nurse, bert):
    web_as(surgeon).post("/staff/patients/", {"q": "okafor"})
    assert "OKAFOR, Bert" not in web_as(nurse).get("/staff/patients/").content.decode()


def test_an_old_link_with_the_query_still_answers(web_as, surgeon, bert):
    assert "OKAFOR, Bert" in web_as(surgeon).get("/staff/patients/?q=oka").content.decode()


@pytest.mark.parametrize("role", BARRED)
def test_roles_without_patient_access_cannot_search_by_post(request, web_as, role, bert):
    client = web_as(request.getfixturevalue(role))
    assert client.post("/staff/patients/", {"q": "okafor"}).status_code == 403
    assert SEARCH_KEY not in client.session


def test_signed_out_a_posted_search_goes_to_sign_in(client):
    response = client.post("/staff/patients/", {"q": "okafor"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "okafor" not in response["Location"]


# ---------------------------------------------------------------- the audit log filter
@pytest.fixture
def audited(surgeon, bert):
    pathways.open_episode(patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB)


def test_the_audit_filter_posts_and_keeps_ids_out_of_the_address(web_as, admin, bert, audited):
    client = web_as(admin)
    posted = client.post("/staff/audit/", {"patient": str(bert.public_id), "actor": "sam"})
    assert (posted.status_code, posted["Location"]) == (302, "/staff/audit/")
    shown = client.get("/staff/audit/")
    events = shown.context["events"]
    assert events
    assert all(e.patient_id == bert.public_id and e.actor_username == "sam" for e in events)
    html = shown.content.decode()
    # The audit log's own addresses carry no id (a row's link to the chart is by UUID: fine).
    audit_links = [link for link in links(html) if link.startswith(("/staff/audit", "?"))]
    assert audit_links
    assert not any(str(bert.public_id) in link for link in audit_links)
    assert AuditEvent.objects.filter(action="audit.search", details__actor="sam").exists()


def test_a_patient_link_in_the_audit_log_is_a_posted_filter(web_as, admin, bert, audited):
    html = web_as(admin).get("/staff/audit/").content.decode()
    assert f"?patient={bert.public_id}" not in html
    assert f'<input type="hidden" name="patient" value="{bert.public_id}">' in html


def test_a_bad_audit_filter_is_refused_and_not_kept(web_as, admin, audited):
    client = web_as(admin)
    client.post("/staff/audit/", {"actor": "sam"})
    response = client.post("/staff/audit/", {"patient": "not-a-uuid"})  # no patient matches
    assert response.status_code == 400
    assert response.context["form"].errors["patient"]
    assert client.get("/staff/audit/").context["form"].cleaned_data["actor"] == "sam"


def test_the_audit_filter_keeps_to_its_page_numbers(web_as, admin, audited):
    client = web_as(admin)
    client.post("/staff/audit/", {"action": "episode.create"})
    second = client.get("/staff/audit/?page=2")
    assert second.context["form"].cleaned_data["action"] == "episode.create"


def test_an_old_audit_link_still_answers(web_as, admin, bert, audited):
    page = web_as(admin).get(f"/staff/audit/?patient={bert.public_id}&actor=sam")
    assert page.context["events"]


@pytest.mark.parametrize("role", ["surgeon", "nurse", "analyst", "ada_user"])
def test_only_auditors_may_post_the_audit_filter(request, web_as, role):
    client = web_as(request.getfixturevalue(role))
    assert client.post("/staff/audit/", {"actor": "sam"}).status_code == 403


# ---------------------------------------------------------------- the API
def test_the_api_searches_with_the_terms_in_the_body(api_as, nurse, bert):
    api = api_as(nurse)
    body = api.post(
        "/api/v1/patients/search", {"q": "okafor", "page_size": 10}, content_type="application/json"
    )
    assert body.status_code == 200
    assert [p["id"] for p in body.json()["items"]] == [str(bert.public_id)]
    assert body.json() == api.get("/api/v1/patients?q=okafor&page_size=10").json()
    event = AuditEvent.objects.filter(action="patient.search").latest("at")
    assert event.details["shown"] == [str(bert.public_id)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"q": "o" * (QUERY_MAX + 1)}, "q"),
        ({"q": "oka\x00for"}, "q"),
        ({"q": "okafor", "page": 0}, "page"),
        ({"q": "okafor", "page_size": 101}, "page_size"),
        ({"q": "okafor", "nhs_number": "9434765919"}, "nhs_number"),
        ({"q": 7}, "q"),
    ],
)
def test_a_bad_search_body_is_refused_naming_the_field(api_as, nurse, payload, field):
    response = api_as(nurse).post(
        "/api/v1/patients/search", payload, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["message"]


@pytest.mark.parametrize("role", BARRED)
def test_roles_without_patient_access_cannot_search_by_body(request, api_as, role):
    response = api_as(request.getfixturevalue(role)).post(
        "/api/v1/patients/search", {"q": "okafor"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_signed_out_the_body_search_is_refused(client):
    response = client.post(
        "/api/v1/patients/search", {"q": "okafor"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (401, "not-authenticated")


def test_the_openapi_deprecates_only_the_query_form(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/patients"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/api/v1/patients"]["post"]
    assert "deprecated" not in paths["/api/v1/patients/search"]["post"]
    assert "deprecated" not in paths["/api/v1/patients/{patient_id}"]["get"]


def test_search_is_not_taken_for_a_patient_id(api_as, nurse):
    response = api_as(nurse).get("/api/v1/patients/search")
    assert response.status_code in (404, 405)


# ---------------------------------------------------------------- titles and paths
def test_page_titles_never_name_the_patient(web_as, surgeon, bert):
    episode = pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB
    )
    client = web_as(surgeon)
    chart = client.get(f"/staff/patients/{bert.public_id}/").content.decode()
    assert "Okafor" in chart or "OKAFOR" in chart  # the page itself does name the patient
    for url in (
        f"/staff/patients/{bert.public_id}/",
        f"/staff/patients/{bert.public_id}/edit/",
        f"/staff/episodes/{episode.public_id}/",
        f"/staff/episodes/{episode.public_id}/clinic/",
        f"/staff/episodes/{episode.public_id}/decision/",
        f"/staff/episodes/{episode.public_id}/operation/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        for identifier in ("Okafor", "OKAFOR", "Bert", "943", "H100200", "1971"):
            assert identifier not in title, (url, title)


# A parameter in a path is a UUID, except these, which name no patient:
NOT_A_PATIENT = {
    "username": "a staff account's name, on the administrators' user pages",
    "service_id": "a CDS Hooks service's name",
    "code": "a questionnaire's code (hoos-jr, pain-nrs...)",
    "instrument": "a questionnaire's code, in the path of its responses",
    "kind": "a kind of clinic record (observation, imaging, ...)",
    "token": "a one-time link's random token, a questionnaire's or a portal invitation's "
    "(256 bits; stored only hashed)",
    "resource_type": "a FHIR resource type (Observation, Device, ...)",
    "group_id": "a FHIR Group: a procedure's code (its patients, for a bulk export)",
    "name": "a bulk export's file: its resource type and part (Patient-1.ndjson)",
    "resource_id": "a FHIR resource's id: a record's UUID, or an implant's as its note's UUID "
    "and its place on the note",
}


def test_paths_carry_uuids_only():
    pages = [(r, c) for r, c in all_routes() if not r.startswith("api/v1/")]  # the API: below
    assert len(pages) > 30
    for route, converters in pages:
        for name, kind in converters.items():
            assert kind == "uuid" or name in NOT_A_PATIENT, f"{route}: <{kind}:{name}>"


def test_ninja_path_parameters_are_uuids(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"].get("format") == "uuid" or (
                        parameter["name"] in NOT_A_PATIENT
                    ), (path, parameter["name"])


def test_a_uuid_that_is_no_patient_is_just_not_found(web_as, surgeon):
    assert web_as(surgeon).get(f"/staff/patients/{uuid.uuid4()}/").status_code == 404
