"""Portal invitations (H80, H81): a one-time link, emailed by staff, that makes one patient-role
account linked to that patient only; used once, until it expires, unless a newer one replaced
it; never by someone signed in; its token in no log line and no audit record."""

import datetime as dt
import logging
import re
import smtplib
from pathlib import Path

import pytest
from axes.helpers import get_query_str
from axes.models import AccessAttempt
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import QueryDict
from django.test import Client

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.conftest import make_user
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.core.logfilters import HideLinkTokens
from coxa.core.models import AuditEvent
from coxa.outcomes.services.links import token_hash
from coxa.patients import services as patients
from coxa.portal.models import PortalInvitation
from coxa.portal.services import Delivery, InvitationState, invitation_state, invite
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "wren-harbour-lantern-42"
ROLES = ["surgeon", "nurse", "anaesthetist", "physio", "admin", "analyst", "ada_user"]
MAY_INVITE = {"surgeon", "nurse", "admin"}  # the roles that register patients


@pytest.fixture
def invited(bert, nurse):
    bert.email = "bert@example.org"
    bert.save()
    return bert


def page_of(patient):
    return f"/staff/patients/{patient.public_id}/portal-invitation/"


def send(client, patient, checked=True):
    return client.post(page_of(patient), {"address_checked": "on"} if checked else {})


def emailed_url(index=-1):
    match = re.search(r"(http://testserver)?(/portal/welcome/[^/\s]+/)", mail.outbox[index].body)
    assert match is not None, mail.outbox[index].body
    return match.group(2)


def accept(client, url, username="bert.okafor", password=NEW_PASSWORD, again=None):
    body = {"username": username, "password": password, "password_again": again or password}
    return client.post(url, body)


# ---------------------------------------------------------------- issuing
def test_staff_email_an_invitation_stored_only_as_a_hash(web_as, nurse, invited):
    client = web_as(nurse)
    before = client.get(page_of(invited)).content.decode()
    assert 'data-testid="no-access"' in before
    sent = send(client, invited)
    assert sent.status_code == 302
    assert sent["Location"] == page_of(invited)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bert@example.org"]
    url = emailed_url()
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    invitation = PortalInvitation.objects.get()
    assert invitation.token_hash == token_hash(token)
    assert (invitation.patient, invitation.issued_by, invitation.sent_to) == (
        invited, nurse, "bert@example.org")  # fmt: skip
    assert invitation.expires_at - invitation.issued_at == dt.timedelta(days=7)
    assert invitation.emailed_at is not None  # the mailer took it
    after = client.get(page_of(invited)).content.decode()
    assert 'data-testid="open-invitation"' in after
    assert "emailed to bert@example.org" in after
    assert 'data-testid="not-emailed"' not in after
    assert token not in after  # the link goes to the patient only
    assert not AuditEvent.objects.filter(summary__contains=token).exists()
    assert not AuditEvent.objects.filter(details__icontains=token).exists()
    issued = AuditEvent.objects.get(action="portal-invitation.issue")
    assert issued.patient_id == invited.public_id


def test_the_patient_chart_offers_the_page(web_as, nurse, physio, invited):
    link = f'href="{page_of(invited)}"'
    assert link in web_as(nurse).get(f"/staff/patients/{invited.public_id}/").content.decode()
    assert link not in web_as(physio).get(f"/staff/patients/{invited.public_id}/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_the_staff_page(request, web_as, invited, role):
    client = web_as(request.getfixturevalue(role))
    expected = 200 if role in MAY_INVITE else 403
    assert client.get(page_of(invited)).status_code == expected
    assert send(client, invited).status_code == (302 if role in MAY_INVITE else 403)
    assert PortalInvitation.objects.exists() is (role in MAY_INVITE)
    assert Client().get(page_of(invited)).status_code == 302  # signed out: sign in first


def test_staff_confirm_the_address_with_the_patient_before_it_is_sent(web_as, nurse, invited):
    page = web_as(nurse).get(page_of(invited)).content.decode()
    assert 'data-testid="check-address"' in page
    assert "I have checked this address with the patient" in page
    refused = send(web_as(nurse), invited, checked=False)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="id_address_checked_error"' in html
    assert 'href="#id_address_checked"' in html
    assert "checked this email address with the patient" in html
    assert not PortalInvitation.objects.exists()
    assert mail.outbox == []
    assert send(web_as(nurse), invited).status_code == 302


def test_a_new_invitation_revokes_the_older_one(web_as, nurse, invited):
    client = web_as(nurse)
    send(client, invited)
    first = emailed_url(0)
    send(client, invited)
    second = emailed_url(1)
    older, newer = PortalInvitation.objects.order_by("issued_at", "id")
    assert invitation_state(older) is InvitationState.REVOKED
    assert invitation_state(newer) is InvitationState.OPEN
    refused = Client().get(first)
    assert refused.status_code == 404
    assert 'data-testid="closed"' in refused.content.decode()
    assert accept(Client(), first).status_code == 404
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert accept(Client(), second).status_code == 302


def test_a_patient_with_an_account_cannot_be_invited(web_as, nurse, ada):
    ada.email = "ada@example.org"
    ada.save()
    page = web_as(nurse).get(page_of(ada)).content.decode()
    assert 'data-testid="has-account"' in page
    assert 'data-testid="invite-form"' not in page
    refused = send(web_as(nurse), ada)
    assert refused.status_code == 400
    assert "Portal account: this patient already has a portal account" in refused.content.decode()
    assert not PortalInvitation.objects.exists()
    assert not mail.outbox


def test_a_patient_with_no_email_or_who_died_is_refused_naming_the_field(web_as, nurse, bert):
    no_email = send(web_as(nurse), bert)
    assert no_email.status_code == 400
    assert "Email address: the patient has no email address on record" in (
        no_email.content.decode()
    )
    bert.email, bert.date_of_death = "bert@example.org", clock.today()
    bert.save()
    died = send(web_as(nurse), bert)
    assert died.status_code == 400
    assert "Date of death: the patient&#x27;s death is recorded" in died.content.decode()
    assert not PortalInvitation.objects.exists()
    assert not mail.outbox


def test_the_command_prints_a_link_to_give_by_hand(nurse, bert, capsys):
    call_command("invite_patient", "h100200", "--by", nurse.username, "--site", "https://x.test")
    out = capsys.readouterr().out
    match = re.search(r"https://x\.test(/portal/welcome/[^/\s]+/)", out)
    assert match is not None, out
    assert not mail.outbox  # no email needed
    invitation = PortalInvitation.objects.get()
    assert (invitation.sent_to, invitation.patient) == ("", bert)
    assert AuditEvent.objects.get(action="portal-invitation.issue").via == Via.CLI
    assert accept(Client(), match.group(1)).status_code == 302
    with pytest.raises(CommandError, match="already has a portal account"):
        call_command("invite_patient", "h100200", "--by", nurse.username, "--site", "https://x")


# ---------------------------------------------------------------- accepting
def test_accepting_makes_one_account_linked_to_that_patient_and_signs_in(web_as, nurse, invited):
    send(web_as(nurse), invited)
    url = emailed_url()
    client = Client()
    shown = client.get(url)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "OKAFOR" not in html
    assert "Bert" not in html
    assert "bert@" not in html
    done = accept(client, url)
    assert done.status_code == 302
    assert done["Location"] == "/portal/"
    user = User.objects.get(username="bert.okafor")
    assert user.role == Role.PATIENT
    invited.refresh_from_db()
    assert invited.user == user
    invitation = PortalInvitation.objects.get()
    assert invitation.used_at is not None
    assert invitation.account == user
    assert AuditEvent.objects.filter(action="auth.sign-in", actor_id=user.pk).exists()
    assert AuditEvent.objects.filter(action="portal-invitation.accept").exists()
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "not linked" not in home.content.decode()


def test_a_second_use_is_refused(web_as, nurse, invited):
    send(web_as(nurse), invited)
    url = emailed_url()
    assert accept(Client(), url).status_code == 302
    again = Client()
    assert again.get(url).status_code == 404
    refused = accept(again, url, username="someone.else")
    assert refused.status_code == 404
    assert 'data-testid="closed"' in refused.content.decode()
    assert User.objects.filter(role=Role.PATIENT).count() == 1
    assert not User.objects.filter(username="someone.else").exists()


def test_the_link_works_until_the_moment_it_expires(web_as, nurse, invited):
    send(web_as(nurse), invited)
    url = emailed_url()
    invitation = PortalInvitation.objects.get()
    with clock.replaying(invitation.expires_at):
        expired = Client().get(url)
        assert expired.status_code == 404
        assert "used or has expired" in expired.content.decode()
        assert accept(Client(), url).status_code == 404
    assert not User.objects.filter(role=Role.PATIENT).exists()
    with clock.replaying(invitation.expires_at - dt.timedelta(seconds=1)):
        assert accept(Client(), url).status_code == 302


def test_an_unknown_used_or_expired_link_get_one_page(web_as, nurse, invited):
    send(web_as(nurse), invited)
    url = emailed_url()
    unknown = Client().get("/portal/welcome/" + "x" * 43 + "/").content.decode()
    accept(Client(), url)
    used = Client().get(url).content.decode()

    def body(html):
        return re.sub(r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', "", html)

    assert body(unknown) == body(used)


@pytest.mark.parametrize("role", ["nurse", "surgeon", "ada_user"])
def test_someone_signed_in_is_asked_to_sign_out_and_nothing_changes(
    request, web_as, nurse, invited, role
):
    send(web_as(nurse), invited)
    url = emailed_url()
    client = web_as(request.getfixturevalue(role))
    for response in (client.get(url), accept(client, url)):
        assert response.status_code == 409
        assert 'data-testid="signed-in"' in response.content.decode()
    invited.refresh_from_db()
    assert invited.user is None
    assert not User.objects.filter(username="bert.okafor").exists()
    assert invitation_state(PortalInvitation.objects.get()) is InvitationState.OPEN
    assert accept(Client(), url).status_code == 302  # the link still works, signed out


def test_a_weak_password_is_refused_beside_its_field_and_the_link_still_works(
    web_as, nurse, invited
):
    send(web_as(nurse), invited)
    url = emailed_url()
    weak = accept(Client(), url, password="12345678")
    assert weak.status_code == 400
    html = weak.content.decode()
    assert 'id="id_password_error"' in html
    assert "too common" in html
    assert "12345678" not in html  # a password is never shown back
    mismatch = accept(Client(), url, again=NEW_PASSWORD + "x")
    assert mismatch.status_code == 400
    assert 'id="id_password_again_error"' in mismatch.content.decode()
    taken = accept(Client(), url, username=nurse.username)
    assert taken.status_code == 400
    assert 'id="id_username_error"' in taken.content.decode()
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert accept(Client(), url).status_code == 302


def test_the_account_sees_its_own_patient_only(web_as, nurse, surgeon, invited, ada):
    mine = list_episode(invited, surgeon)
    theirs = list_episode(ada, surgeon)
    send(web_as(nurse), invited)
    client = Client()
    accept(client, emailed_url())
    assert client.get(f"/portal/letters/{mine.public_id}/").status_code == 200
    assert client.get(f"/portal/letters/{theirs.public_id}/").status_code == 404
    assert client.get(f"/portal/recovery/{theirs.public_id}/").status_code == 404
    assert client.get(f"/api/v1/patients/{ada.public_id}").status_code == 404
    assert client.get(f"/api/v1/patients/{invited.public_id}").status_code == 200
    assert client.get(page_of(ada)).status_code == 403  # no staff page either


def test_an_invitation_of_someone_who_may_no_longer_invite_is_closed(web_as, invited):
    clerk = make_user("clerk", Role.ADMINISTRATOR)
    send(web_as(clerk), invited)
    url = emailed_url()
    clerk.role = Role.PHYSIOTHERAPIST.value
    clerk.save()
    assert Client().get(url).status_code == 404
    assert accept(Client(), url).status_code == 404
    invited.refresh_from_db()
    assert invited.user is None


def test_an_account_made_elsewhere_closes_the_invitation(web_as, nurse, invited):
    send(web_as(nurse), invited)
    url = emailed_url()
    other = make_user("bert2", Role.PATIENT)
    patients.link_account(patient=invited, user=other, by=nurse, via=Via.WEB)
    assert accept(Client(), url).status_code == 404
    invited.refresh_from_db()
    assert invited.user == other  # one patient, one account


def test_the_service_refuses_to_invite_without_the_capability(physio, invited):
    from coxa.core.errors import Forbidden

    with pytest.raises(Forbidden):
        invite(patient=invited, by=physio, via=Via.WEB, url_for=str, delivery=Delivery.EMAIL)


# ---------------------------------------------------------------- abuse
def test_failed_links_are_audited_and_the_client_is_paused(settings, web_as, nurse, invited):
    send(web_as(nurse), invited)
    good = emailed_url()
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.get(f"/portal/welcome/not-a-token-{n}/").status_code == 404
    failures = AuditEvent.objects.filter(action="auth.sign-in-failed")
    assert failures.count() == settings.AXES_FAILURE_LIMIT - 1
    assert all("not-a-token" not in str(e.details) + e.summary for e in failures)
    paused = client.post("/portal/welcome/not-a-token-last/", {})
    assert paused.status_code == 429
    assert 'data-testid="too-many"' in paused.content.decode()
    assert int(paused["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="auth.locked-out").exists()
    # While paused, even a good link waits (from this client only).
    assert accept(client, good).status_code == 429
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert Client(REMOTE_ADDR="10.0.0.9").get(good).status_code == 200


def test_refused_usernames_and_passwords_count_and_axes_keeps_no_secret(
    settings, web_as, nurse, invited
):
    send(web_as(nurse), invited)
    url = emailed_url()
    token = url.rstrip("/").rsplit("/", 1)[1]
    client = Client()
    weak = accept(client, url, username=nurse.username, password="12345678")
    html = weak.content.decode()  # the password is judged first: nothing said of the name
    assert 'id="id_password_error"' in html
    assert 'id="id_username_error"' not in html
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        taken = accept(client, url, username=nurse.username)
        assert 'id="id_username_error"' in taken.content.decode()
    assert accept(client, url, username="ghost-user").status_code == 429  # paused, not made
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert AuditEvent.objects.filter(action="auth.sign-in-failed").count() == (
        settings.AXES_FAILURE_LIMIT
    )
    [attempt] = AccessAttempt.objects.all()
    stored = f"{attempt.post_data} {attempt.get_data} {attempt.path_info}"
    assert NEW_PASSWORD not in stored
    assert "12345678" not in stored
    assert token not in stored
    assert attempt.path_info == "/portal/welcome/[hidden]/"
    assert Client(REMOTE_ADDR="10.0.0.9").get(url).status_code == 200  # the link still works


def test_axes_masks_every_secret_the_accept_form_posts():
    body = QueryDict(mutable=True)
    body.update({"username": "bert", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    body.update({"csrfmiddlewaretoken": "csrf-secret"})
    stored = get_query_str(body)  # what axes would keep, should a body ever reach it
    assert NEW_PASSWORD not in stored
    assert "csrf-secret" not in stored


def test_the_token_is_hidden_from_log_lines():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s",
        ("/portal/welcome/Zm9vYmFyYmF6cXV4cXV1eA/",), None,
    )  # fmt: skip
    HideLinkTokens().filter(record)
    assert record.getMessage() == "Not Found: /portal/welcome/[hidden]/"


# ---------------------------------------------------------------- after the code review
class FailingBackend(BaseEmailBackend):
    """A mail server that is down: every message fails."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("gone")


class WatchingBackend(locmem.EmailBackend):
    """The test mailbox, noting whether a transaction was still open when a message went."""

    in_transaction: list[bool] = []

    def send_messages(self, messages):
        WatchingBackend.in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


FAILING = f"{__name__}.FailingBackend"


def test_a_mail_server_that_fails_is_said_plainly_and_the_invitation_stands(
    settings, web_as, nurse, invited, caplog
):
    settings.EMAIL_BACKEND = FAILING
    client = web_as(nurse)
    with caplog.at_level(logging.ERROR, logger="coxa.portal.services"):
        sent = send(client, invited)
    assert sent.status_code == 302  # not a 500
    page = client.get(sent["Location"]).content.decode()
    assert "The email was NOT sent" in page
    assert "bert@example.org" in page
    assert "Invitation emailed" not in page
    assert 'data-testid="open-invitation"' in page  # the invitation stands
    assert 'data-testid="not-emailed"' in page  # and the chart never says it was sent
    assert "emailed to bert@example.org" not in page
    invitation = PortalInvitation.objects.get()
    assert invitation_state(invitation) is InvitationState.OPEN
    assert invitation.emailed_at is None
    assert AuditEvent.objects.filter(action="portal-invitation.issue").exists()
    logged = [r for r in caplog.records if r.name == "coxa.portal.services"]
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert "/portal/welcome/" not in caplog.text  # the link is never logged
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(client, invited).status_code == 302  # a new one, which goes
    assert accept(Client(), emailed_url()).status_code == 302


def test_the_command_says_the_email_failed_and_still_prints_the_link(
    settings, nurse, invited, capsys
):
    settings.EMAIL_BACKEND = FAILING
    call_command("invite_patient", "h100200", "--by", nurse.username, "--email", "--site",
                 "https://x.test")  # fmt: skip
    printed = capsys.readouterr()
    assert "was NOT sent" in printed.err
    assert "It was emailed" not in printed.out
    match = re.search(r"https://x\.test(/portal/welcome/[^/\s]+/)", printed.out)
    assert match is not None, printed.out
    assert accept(Client(), match.group(1)).status_code == 302  # the link stands


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_once_the_invitation_is_committed(settings, web_as, nurse, invited):
    settings.EMAIL_BACKEND = f"{__name__}.WatchingBackend"
    WatchingBackend.in_transaction.clear()
    assert send(web_as(nurse), invited).status_code == 302
    call_command("invite_patient", "h100200", "--by", nurse.username, "--email", "--site",
                 "https://x.test")  # fmt: skip
    assert WatchingBackend.in_transaction == [False, False]  # no row locked while it sends
    assert len(mail.outbox) == 2


# Just after midnight in British Summer Time: 23:30 UTC on 8 July is 00:30 on 9 July in London,
# so the link, made for 7 days, works until 16 July there (15 July in UTC).
AFTER_MIDNIGHT_BST = dt.datetime(2026, 7, 8, 23, 30, tzinfo=dt.UTC)


def test_every_day_shown_is_the_day_in_london(web_as, nurse, invited, capsys):
    client = web_as(nurse)
    with clock.replaying(AFTER_MIDNIGHT_BST):
        sent = send(client, invited)
        staff = client.get(sent["Location"]).content.decode()
        url = emailed_url()
        patient_page = Client().get(url).content.decode()
    assert "until 16 July 2026" in mail.outbox[-1].body
    assert "It works once, until 16 July 2026." in staff  # the message after sending
    assert "on Thursday 9 July 2026 by" in staff
    assert "until Thursday 16 July 2026" in staff
    assert "until Thursday 16 July 2026" in patient_page
    with clock.replaying(AFTER_MIDNIGHT_BST):
        call_command("invite_patient", "h100200", "--by", nurse.username, "--site",
                     "https://x.test")  # fmt: skip
    assert "until 16 July 2026." in capsys.readouterr().out


def test_the_page_says_what_became_of_the_last_invitation(web_as, nurse, invited):
    client = web_as(nurse)
    with clock.replaying(AFTER_MIDNIGHT_BST):
        send(client, invited)
    invitation = PortalInvitation.objects.get()
    with clock.replaying(invitation.expires_at):
        expired = client.get(page_of(invited)).content.decode()
    assert "sent on Thursday 9 July 2026, expired on Thursday 16 July 2026." in expired
    PortalInvitation.objects.update(revoked_at=clock.now())
    assert "was replaced." in client.get(page_of(invited)).content.decode()
    source = (Path(__file__).parents[1] / "templates/portal/invite.html").read_text()
    assert not re.search(r"==\s*[\"']", source)  # no status compared as a string


def test_an_inactive_account_may_not_invite(web_as, nurse, invited):
    client = web_as(nurse)
    nurse.is_active = False
    nurse.save()
    with pytest.raises(InvalidInput) as refused:
        invite(patient=invited, by=nurse, via=Via.CLI, url_for=str, delivery=Delivery.BY_HAND)
    assert [p.field for p in refused.value.problems] == ["by"]
    with pytest.raises(CommandError, match=f"the account {nurse.username} is closed"):
        call_command("invite_patient", "h100200", "--by", nurse.username, "--site",
                     "https://x.test")  # fmt: skip
    assert send(client, invited).status_code == 302  # to the sign-in page: no session
    assert not PortalInvitation.objects.exists()
    assert not mail.outbox
