"""The audit log's search: by patient (name, numbers, birth date), user, action and days."""

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coxa.accounts import selectors
from coxa.accounts.domain import ROLE_CAPABILITIES, Capability, Role
from coxa.accounts.models import User
from coxa.core import audit, clock
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest

# Patients live in an app above accounts: they are made through the API (and the shared
# fixtures), never imported here.

URL = "/staff/audit/"
ZOE_NHS = "9990000018"  # valid check digit (999 test range)


def at(day: dt.date, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


def seen(
    actor: User | None, patient: Any, moment: dt.datetime, action: str = "patient.view"
) -> None:
    with clock.replaying(moment):
        audit.record(
            actor=actor,
            action=action,
            object_type="patient",
            patient_id=None if patient is None else patient.public_id,
            via=audit.Via.WEB,
        )


class Registered:
    """A patient registered through the API: what these tests need of them."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.public_id = uuid.UUID(body["id"])


def register(client: Client, **fields: Any) -> Registered:
    answer = client.post("/api/v1/patients", {"sex": "female", **fields}, "application/json")
    assert answer.status_code == 201, answer.content
    return Registered(answer.json())


@pytest.fixture
def zoe(nurse: User, api_as: Callable[[User], Client]) -> Registered:
    return register(
        api_as(nurse),
        given_name="Zoë",
        family_name="Ökafor",
        date_of_birth="1990-06-01",
        nhs_number=ZOE_NHS,
        hospital_number="H100900",
    )


DAY = dt.date(2026, 3, 10)


@pytest.fixture
def history(surgeon: User, nurse: User, bert: Any, zoe: Registered) -> None:
    """Sam reads Bert on the 9th, 10th (first and last second) and 11th; Nia reads Zoë."""
    seen(surgeon, bert, at(DAY - dt.timedelta(days=1), 23, 59, 59))
    seen(surgeon, bert, at(DAY, 0, 0, 0))
    seen(surgeon, bert, at(DAY, 23, 59, 59), action="episode.view")
    seen(surgeon, bert, at(DAY + dt.timedelta(days=1), 0, 0, 0))
    seen(nurse, zoe, at(DAY, 9))
    seen(None, None, at(DAY, 3), action="surveillance.refresh")


def search(client: Client, **fields: str) -> Any:
    """Post a search and follow it; the page that lists the records."""
    posted = client.post(URL, fields)
    assert posted.status_code == 302, posted.content.decode()[:2000]
    assert posted["Location"] == URL
    return client.get(URL)


def rows(page: Any) -> list[selectors.AuditRow]:
    found: list[selectors.AuditRow] = page.context["events"]
    return found


def audit_only(page_rows: list[selectors.AuditRow]) -> list[selectors.AuditRow]:
    """Leave out the records the searches themselves made (patient and audit searches)."""
    return [r for r in page_rows if r.what not in {"Searched patients", "Searched the audit log"}]


# ----------------------------------------------------------------------------- who may
PERSONAS = {  # the shared fixtures, one of each role
    Role.SURGEON: "surgeon",
    Role.NURSE: "nurse",
    Role.ANAESTHETIST: "anaesthetist",
    Role.PHYSIOTHERAPIST: "physio",
    Role.ADMINISTRATOR: "admin",
    Role.ANALYST: "analyst",
    Role.PATIENT: "ada_user",
    Role.SYSTEM: "system_account",
}


def test_every_role_is_tried():
    assert set(PERSONAS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_only_roles_that_may_view_the_audit_reach_it(request, web_as: Callable, role: Role):
    user = request.getfixturevalue(PERSONAS[role])
    client = web_as(user)
    allowed = role is Role.ADMINISTRATOR  # the one role with the view-audit capability
    assert client.get(URL).status_code == (200 if allowed else 403)
    assert client.post(URL, {"action": "patient.view"}).status_code == (302 if allowed else 403)
    if not allowed:
        with pytest.raises(Forbidden):
            selectors.audit_events(by=user, query=selectors.AuditQuery(), page=PageRequest(1, 5))
        with pytest.raises(Forbidden):
            selectors.find_patients(by=user, q="okafor")
        assert not AuditEvent.objects.filter(action="audit.search").exists()


def test_a_visitor_is_sent_to_sign_in(db: Any):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ----------------------------------------------------------------------------- by patient
@pytest.mark.parametrize(
    "typed",
    [
        "okafor bert",
        "OKAFOR, BERT",
        "Ökafor Bert",
        "943 476 5919",
        "9434765919",
        "H100200",
        "h100200",
        "14/03/1971",
        "1971-03-14",
    ],
)
def test_one_patient_by_name_number_or_birth_date(web_as, admin, history, bert, typed):
    page = search(web_as(admin), patient=typed)
    assert page.status_code == 200
    shown = audit_only(rows(page))
    assert shown
    assert {r.patient_id for r in shown} == {bert.public_id}
    assert page.context["chosen"].public_id == bert.public_id
    html = page.content.decode()
    assert "Records of <strong>OKAFOR, Bert</strong>" in html
    assert f'value="{typed}"' in html  # what was typed stays in the box


def test_several_patients_are_listed_to_choose_from_never_merged(web_as, admin, history, bert, zoe):
    client = web_as(admin)
    page = search(client, patient="okafor")  # Okafor and Ökafor
    assert page.status_code == 200
    assert page.context["events"] is None  # no records until one patient is chosen
    matches = page.context["matches"]
    assert matches.count == 2
    assert {p.public_id for p in matches.patients} == {bert.public_id, zoe.public_id}
    html = page.content.decode()
    assert "2 patients match: choose one" in html
    assert "ÖKAFOR, Zoë" in html
    assert "1 Jun 1990" in html
    posted = client.post(URL, {"patient": "okafor", "patient_id": str(zoe.public_id)})
    assert posted.status_code == 302
    chosen = client.get(URL)
    assert {r.patient_id for r in audit_only(rows(chosen))} == {zoe.public_id}
    assert 'value="okafor"' in chosen.content.decode()
    # A new query drops a choice it does not find.
    again = search(client, patient="943 476 5919", patient_id=str(zoe.public_id))
    assert {r.patient_id for r in audit_only(rows(again))} == {bert.public_id}


def test_a_rows_button_narrows_to_its_patient_and_the_box_shows_a_number(
    web_as, admin, history, bert
):
    client = web_as(admin)
    html = client.get(URL).content.decode()
    assert f'<input type="hidden" name="patient" value="{bert.public_id}">' in html
    page = search(client, patient=str(bert.public_id))
    assert {r.patient_id for r in audit_only(rows(page))} == {bert.public_id}
    assert 'value="943 476 5919"' in page.content.decode()
    assert str(bert.public_id) not in page.content.decode().split("<table")[0]  # not in the box


def test_clearing_the_patient_shows_everyones_records(web_as, admin, history, bert, zoe):
    client = web_as(admin)
    search(client, patient="9434765919")
    page = search(client, patient="")
    assert {r.patient_id for r in audit_only(rows(page))} >= {bert.public_id, zoe.public_id}


# ----------------------------------------------------------------------------- other filters
def test_by_user(web_as, admin, history, nurse, bert, zoe):
    page = search(web_as(admin), actor="nia")
    shown = rows(page)
    assert shown
    assert all(r.actor_username == "nia" for r in shown)
    assert {r.patient_id for r in shown} - {None} == {bert.public_id, zoe.public_id}


def test_by_coxa_itself(web_as, admin, history):
    shown = rows(search(web_as(admin), actor="coxa"))
    assert "Updated what surveillance is due" in [r.what for r in shown]
    assert "Viewed a patient's record" not in [r.what for r in shown]
    assert {(r.who, r.role) for r in shown} == {("Coxa", "System")}


def test_the_user_choice_lists_staff_by_name_and_role(web_as, admin, history, ada_user):
    html = web_as(admin).get(URL).content.decode()
    assert '<option value="sam">Sam (sam), Surgeon</option>' in html
    assert '<option value="nia">Nia (nia), Pre-assessment nurse</option>' in html
    assert 'value="ada"' not in html  # a patient's account is no choice of staff


def test_by_action_in_words(web_as, admin, history):
    client = web_as(admin)
    html = client.get(URL).content.decode()
    assert '<option value="episode.view">Viewed an episode</option>' in html
    assert '<optgroup label="Episodes">' in html
    shown = rows(search(client, action="episode.view"))
    assert [r.what for r in shown] == ["Viewed an episode"]


def test_a_day_range_includes_both_days_in_the_service_time_zone(web_as, admin, history):
    day = DAY.isoformat()
    shown = rows(search(web_as(admin), date_from=day, date_to=day, actor="sam"))
    assert [r.at for r in shown] == [at(DAY, 23, 59, 59), at(DAY, 0, 0, 0)]  # newest first


def test_from_alone_and_to_alone(web_as, admin, history):
    client = web_as(admin)
    after = rows(search(client, date_from=(DAY + dt.timedelta(days=1)).isoformat(), actor="sam"))
    assert [r.at for r in after] == [at(DAY + dt.timedelta(days=1), 0)]
    before = rows(search(client, date_to=(DAY - dt.timedelta(days=1)).isoformat(), actor="sam"))
    assert [r.at for r in before] == [at(DAY - dt.timedelta(days=1), 23, 59, 59)]


def test_filters_combine(web_as, admin, history, bert):
    shown = rows(
        search(
            web_as(admin),
            patient="okafor bert",
            actor="sam",
            action="patient.view",
            date_from=DAY.isoformat(),
            date_to=(DAY + dt.timedelta(days=1)).isoformat(),
        )
    )
    assert [r.at for r in shown] == [at(DAY + dt.timedelta(days=1), 0), at(DAY, 0)]


def test_a_row_in_words(web_as, admin, history, bert):
    page = search(web_as(admin), patient="h100200", action="episode.view")
    html = page.content.decode()
    (row,) = rows(page)
    assert (row.who, row.role, row.what, row.via) == ("Sam", "Surgeon", "Viewed an episode", "Web")
    assert "10 Mar 2026 23:59:59" in html
    assert f'<a href="/staff/patients/{bert.public_id}/">OKAFOR, Bert</a>' in html
    assert "H100200" in html
    for code in ("episode.view", "surgeon", ">web<", "None"):
        assert code not in html.split('aria-label="Audit records"')[1]


def test_a_row_links_to_the_chart_only_for_who_may_see_patients(
    web_as, admin, history, monkeypatch
):
    client = web_as(admin)
    assert "/staff/patients/" in client.get(URL).content.decode()
    # A role that may read the audit but not patients' records sees names, with no link.
    audit_only_role = frozenset({Capability.VIEW_AUDIT})
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.ADMINISTRATOR, audit_only_role)
    html = client.get(URL).content.decode()
    assert "OKAFOR, Bert" in html
    assert "/staff/patients/" not in html


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"patient": "943 476 5918"}, "patient", "check digit"),
        ({"patient": "31/02/1971"}, "patient", "Not a date"),
        ({"patient": "nobody-at-all"}, "patient", "No patient matches"),
        ({"date_from": "2026-02-31"}, "date_from", "Not a date"),
        ({"date_to": "yesterday"}, "date_to", "Not a date"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-09"}, "date_to", "“To”"),
        ({"action": "episode.open"}, "action", "Select a valid choice"),
        ({"actor": "nobody"}, "actor", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_kept(web_as, admin, history, fields, field, words):
    client = web_as(admin)
    search(client, actor="sam")
    response = client.post(URL, {"patient": "", **fields})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    typed = fields[field]
    if field not in {"action", "actor"}:
        assert f'value="{typed}"' in html
    assert response.context["events"] is None
    # The search kept before is still the one shown.
    assert client.get(URL).context["form"].cleaned_data["actor"] == "sam"


# ----------------------------------------------------------------------------- the record
def test_the_search_is_recorded_without_what_was_typed(web_as, admin, history, bert, caplog):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with caplog.at_level(logging.DEBUG):
        search(web_as(admin), patient="Okafor Bert", actor="sam", date_from=DAY.isoformat())
        search(web_as(admin), patient="943 476 5919")
    made = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [e.action for e in made].count("audit.search") == 2
    record = next(e for e in made if e.action == "audit.search")
    assert record.patient_id == bert.public_id
    assert record.details["actor"] == "sam"
    assert record.details["date_from"] == DAY.isoformat()
    assert str(bert.public_id) in record.details["shown"]
    written = json.dumps([[e.summary, e.details, e.reason] for e in made]).lower()
    for term in ("okafor", "bert", "9434765919", "943 476 5919"):
        assert term not in written
        assert term not in caplog.text.lower()


# ----------------------------------------------------------------------------- queries
# The page: session, user, second factor, staff, page, count, people, patients, and the record
# of the search (the chain's head read, the insert, the head moved on). 11 when measured.
QUERIES = 11


@pytest.fixture
def many(surgeon: User, nurse: User, api_as: Callable[[User], Client]) -> Callable[[int], None]:
    client = api_as(nurse)
    made = [0]

    def make(count: int) -> None:
        for n in range(made[0], made[0] + count):
            patient = register(
                client,
                given_name=f"Pat{n}",
                family_name=f"Many{n}",
                date_of_birth=f"19{50 + n}-01-01",
                hospital_number=f"M{n:04d}",
            )
            seen(surgeon if n % 2 else nurse, patient, at(DAY, 10, n % 60))
        made[0] += count

    return make


def queries_for(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_queries_for_3_and_30_rows(
    web_as, admin, many, count, django_assert_max_num_queries
):
    client = web_as(admin)
    many(count)
    client.get(URL)
    with django_assert_max_num_queries(QUERIES):
        page = client.get(URL)
    assert len(audit_only(rows(page))) >= count


def test_3_and_30_rows_cost_the_same_but_for_the_count(web_as, admin, many):
    client = web_as(admin)
    many(3)
    client.get(URL)
    few = queries_for(client)
    many(27)
    # A page holding the whole log is not counted again (core.worklists.page_of, ADR 0032);
    # a longer log costs its one count, never a query a row.
    assert few <= queries_for(client) <= few + 1
