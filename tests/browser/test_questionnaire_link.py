"""A patient opens a one-time questionnaire link in a real browser, answers, and is thanked;
the same link is refused the second time. The page runs under the strict CSP (no script)."""

import re

import pytest

from coxa.conftest import PASSWORD
from coxa.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from tests.journeys import list_episode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOOS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
        "lying-in-bed", "sitting")  # fmt: skip


def test_a_patient_answers_through_a_link_once(live_server, browser, nurse, surgeon, bert):
    hip = list_episode(bert, surgeon)
    staff = browser.new_page()
    staff.goto(f"{live_server.url}/accounts/login/")
    staff.fill("#id_username", nurse.username)
    staff.fill("#id_password", PASSWORD)
    staff.click("main button[type=submit]")
    staff.goto(f"{live_server.url}/staff/episodes/{hip.public_id}/questionnaires/")
    form = staff.locator("[data-testid=issue-link]")
    form.locator("input[name=instruments][value=hoos-jr]").check()
    form.locator("input[name=instruments][value=pain-nrs]").check()
    form.locator("button:has-text('Issue the link')").click()
    url = staff.locator("[data-testid=link-url]").inner_text().strip()
    assert re.search(r"/questionnaire/[\w-]{43,}/$", url)

    errors: list[str] = []
    patient = browser.new_context().new_page()  # no session: a patient with no account
    patient.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    patient.goto(url)
    assert "left hip" in patient.locator("h1").inner_text()
    assert bert.nhs_number not in patient.content()
    for item in HOOS:
        patient.locator(f"input[name=hoos-jr-{item}][value='1']").check()
    patient.locator("input[name=pain-nrs-pain][value='3']").check()
    patient.locator("button:has-text('Send my answers')").click()
    assert "sent to your hip team" in patient.locator("[data-testid=thanks]").inner_text()
    assert QuestionnaireResponse.objects.filter(episode=hip).count() == 2
    assert QuestionnaireLink.objects.get().used_at is not None

    patient.goto(url)  # the same link again
    assert (
        "has been used, has expired, or was not copied in full"
        in patient.locator("[data-testid=unusable]").inner_text()
    )
    assert not [e for e in errors if "Content Security Policy" in e]
