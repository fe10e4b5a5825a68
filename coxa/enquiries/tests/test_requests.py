"""The public consultation request: required fields, the hidden field, limits, the email."""

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail

from coxa.core.models import AuditEvent
from coxa.enquiries import services
from coxa.enquiries.domain import Limit
from coxa.enquiries.models import Enquiry
from coxa.enquiries.tests.conftest import URL, form

pytestmark = pytest.mark.django_db
SENT = "/consultation/sent/"


def post(client, data, address="192.0.2.10", **headers):
    return client.post(URL, data, REMOTE_ADDR=address, headers=headers)


def test_the_form_marks_its_required_fields_and_hides_the_trap_from_people(client):
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("name", "email", "procedure", "consent"):
        assert re.search(rf'<label[^>]*class="required"[^>]*for="id_{field}"', html) or re.search(
            rf'<label[^>]*for="id_{field}"[^>]*class="required"', html
        ), field
    for field in ("phone", "message"):
        label = re.search(rf'<label[^>]*for="id_{field}"[^>]*>', html).group(0)
        assert "required" not in label
    trap = re.search(
        r'<div class="enquiry-extra" aria-hidden="true">(.*?)</div>\s*<button', html, re.S
    )
    assert trap, "the hidden field is wrapped apart from the rest"
    assert 'tabindex="-1"' in trap.group(1)
    assert 'autocomplete="off"' in trap.group(1)
    assert "Leave this field empty" in trap.group(1)
    assert 'name="submission_key"' in html
    assert "Not sure yet" in html  # a choice for those who do not know yet


@pytest.mark.parametrize(
    ("field", "said"),
    [
        ("name", "enter your name"),
        ("email", "enter your email address"),
        ("procedure", "choose the operation you are asking about"),
        ("consent", "tick the box to agree"),
    ],
)
def test_each_required_field_missing_is_named_beside_it(client, field, said):
    response = post(client, form(**{field: None}))
    assert response.status_code == 400
    html = response.content.decode()
    assert said in html
    assert f'href="#id_{field}"' in html  # the summary links to the field
    assert 'aria-invalid="true"' in html
    assert not Enquiry.objects.exists()
    assert mail.outbox == []
    assert "Dora Quayle" in html or field == "name"  # what was typed stays


@pytest.mark.parametrize(
    "email",
    ["dora", "dora@", "dora@example", "do ra@example.org", "dora@example.org.",
     "dora@example..org", "Dora <dora@example.org>", "(Dora)dora@example.org",
     "a,b<dora@example.org>", "dora@example.org;eve@example.net", '"dora"@example.org',
     "dora@[192.0.2.1]"],
)  # fmt: skip
def test_a_bad_email_address_is_refused_beside_its_field(client, email):
    response = post(client, form(email=email))
    assert response.status_code == 400
    html = response.content.decode()
    assert "enter your email address on its own, in the form name@example.com" in html
    assert 'href="#id_email"' in html  # named, and linked to its field
    assert not Enquiry.objects.exists()
    assert mail.outbox == []


def test_a_tag_after_plus_shares_the_address_s_limit_but_is_kept_as_typed(client):
    for n in range(4):
        post(client, form(email=f"Dora+{n}@Example.org"), address=f"192.0.2.{n + 1}")
    kept = list(Enquiry.objects.order_by("id"))
    assert {e.email_key for e in kept} == {"dora@example.org"}
    assert kept[0].email == "Dora+0@Example.org"  # sent to as typed
    assert [e.over_limit for e in kept] == ["", "", "", Limit.ADDRESS]
    assert len(mail.outbox) == 3


def test_an_unknown_client_counts_in_one_shared_bucket(client):
    for n in range(12):
        post(client, form(email=f"p{n}@example.org"), address="")
    assert Enquiry.objects.filter(over_limit=Limit.CLIENT).count() == 2
    assert len(mail.outbox) == 10


def test_a_procedure_not_in_the_catalogue_is_refused(client):
    response = post(client, form(procedure="knee"))
    assert response.status_code == 400
    assert not Enquiry.objects.exists()


def test_a_request_is_kept_confirmed_by_email_and_audited_without_its_words(client):
    response = post(client, form(procedure="not-sure"))
    assert (response.status_code, response["Location"]) == (302, SENT)
    enquiry = Enquiry.objects.get()
    assert (enquiry.name, enquiry.email, enquiry.procedure) == (
        "Dora Quayle",
        "dora@example.org",
        "not-sure",
    )
    assert (enquiry.status, enquiry.automated, enquiry.over_limit) == ("new", False, "")
    assert enquiry.client == "192.0.2.10"
    assert enquiry.emailed_at is not None
    [sent] = mail.outbox
    assert sent.to == ["dora@example.org"]
    assert "hip team" in sent.body
    assert "Not sure yet" in sent.body
    assert "Dora" not in sent.body
    assert "run" not in sent.body
    event = AuditEvent.objects.get(action="enquiry.receive")
    assert (event.actor_id, event.actor_role, event.via) == (None, "system", "web")
    assert event.object_id == str(enquiry.public_id)
    recorded = f"{event.summary} {event.details} {event.reason}"
    for typed in ("Dora", "Quayle", "dora@example.org", "run", "0121"):
        assert typed not in recorded


def test_the_confirmation_page_says_what_happens_next_and_echoes_nothing(client):
    post(client, form(), follow=True) if False else None
    post(client, form())
    page = client.get(SENT)
    html = page.content.decode()
    assert page.status_code == 200
    assert "What happens next" in html
    assert "dora@example.org" not in html
    assert "Dora" not in html


def test_a_filled_hidden_field_gets_the_same_page_is_kept_marked_and_sent_no_email(client):
    response = post(client, form(website="http://spam.example"))
    assert (response.status_code, response["Location"]) == (302, SENT)
    enquiry = Enquiry.objects.get()
    assert enquiry.automated is True
    assert enquiry.emailed_at is None
    assert mail.outbox == []
    assert "Likely automated: the hidden field was filled" in enquiry.marks
    assert "likely automated" in AuditEvent.objects.get(action="enquiry.receive").summary


def test_more_than_three_an_hour_for_one_address_are_kept_marked_and_not_emailed(client):
    for n in range(5):  # from five different clients: the address is what counts
        assert (
            post(client, form(email="Dora@Example.org"), address=f"192.0.2.{n}").status_code == 302
        )
    kept = list(Enquiry.objects.order_by("id"))
    assert len(kept) == 5
    assert [e.over_limit for e in kept] == ["", "", "", Limit.ADDRESS, Limit.ADDRESS]
    assert len(mail.outbox) == 3


def test_a_flood_of_thirty_from_one_client_is_all_kept_and_emails_stop_at_the_limit(client):
    for n in range(30):
        response = post(client, form(email=f"person{n}@example.org"), address="198.51.100.7")
        assert (response.status_code, response["Location"]) == (302, SENT)
    kept = list(Enquiry.objects.order_by("id"))
    assert len(kept) == 30
    assert [e.over_limit for e in kept] == [""] * 10 + [Limit.CLIENT] * 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"person{n}@example.org" for n in range(10)
    )
    assert [e.emailed_at is not None for e in kept] == [True] * 10 + [False] * 20
    assert AuditEvent.objects.filter(action="enquiry.receive").count() == 30


def test_a_forwarded_for_header_does_not_change_the_client_without_a_trusted_proxy(client):
    for n in range(11):
        post(client, form(email=f"p{n}@example.org"), address="198.51.100.8",
             **{"X-Forwarded-For": f"203.0.113.{n}"})  # fmt: skip
    assert set(Enquiry.objects.values_list("client", flat=True)) == {"198.51.100.8"}
    assert Enquiry.objects.filter(over_limit=Limit.CLIENT).count() == 1


def test_the_limit_counts_an_hour(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    for _ in range(3):
        post(client, form())
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC))
    post(client, form())
    assert Enquiry.objects.filter(over_limit="").count() == 4
    assert len(mail.outbox) == 4


def test_the_limits_are_settings(client, settings):
    settings.ENQUIRY_LIMIT_PER_ADDRESS = 1
    post(client, form())
    post(client, form())
    assert [e.over_limit for e in Enquiry.objects.order_by("id")] == ["", Limit.ADDRESS]


def test_the_same_form_sent_twice_is_one_request_and_one_email(client):
    key = {"submission_key": "one-form-key"}
    first = post(client, form() | key)
    second = post(client, form() | key)
    assert first["Location"] == second["Location"] == SENT
    assert Enquiry.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_mail_server_that_fails_loses_no_request(client, monkeypatch):
    def fail(**_):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(services, "send_mail", fail)
    response = post(client, form())
    assert response["Location"] == SENT
    enquiry = Enquiry.objects.get()
    assert enquiry.emailed_at is None
    assert "No confirmation email sent" in enquiry.marks


@pytest.mark.parametrize("error", [ValueError("Invalid address"), UnicodeError("idna")])
def test_an_address_the_mailer_refuses_still_gets_the_confirmation_page(client, monkeypatch, error):
    def fail(**_):
        raise error

    monkeypatch.setattr(services, "send_mail", fail)
    response = post(client, form())
    assert response["Location"] == SENT
    assert "No confirmation email sent" in Enquiry.objects.get().marks


def test_signed_in_staff_may_use_the_public_form_too(web_as, nurse):
    assert web_as(nurse).post(URL, form(), REMOTE_ADDR="192.0.2.99").status_code == 302
    assert Enquiry.objects.count() == 1
