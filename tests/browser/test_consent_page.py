"""A surgeon records the patient's consent on the operation page, in a real browser."""

import datetime as dt

import pytest

from coxa.catalogue.registry import get_procedure
from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.surgery.models import Consent
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def _fill(form, procedure, side):
    form.locator("select[name=procedure]").select_option(procedure.code)
    form.locator(f"input[name=side][value={side}]").check()
    for risk in procedure.risks:
        form.locator(f"input[name=risks][value={risk.code}]").check()
    for choice in ("non-operative", "total-hip-replacement"):
        form.locator(f"input[name=alternatives][value={choice}]").check()
    form.locator("select[name=information_version]").select_option(
        procedure.patient_information.version
    )
    form.locator("textarea[name=note]").fill("Asked about returning to tennis.")


def test_a_surgeon_records_consent_and_sees_it_on_the_operation_page(
    live_server, browser, surgeon, bert
):
    today = clock.today()
    episode = walk_to(
        "ready", patient=bert, by=surgeon, side="right", listed_on=today - dt.timedelta(days=3)
    )
    procedure = get_procedure("bhr")
    assert procedure is not None
    page = browser.new_page()
    _sign_in(page, live_server, surgeon)
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/operation/")
    assert page.locator("[data-testid=no-consent]").is_visible()

    form = page.locator("[data-testid=consent-form]")
    _fill(form, procedure, "left")  # the wrong hip, first
    form.locator("button:has-text('Record consent')").click()
    # Refused beside the side, what was ticked kept, nothing saved.
    page.wait_for_selector("[data-testid=form-errors]")
    assert "not the left" in page.locator("[data-testid=form-errors]").inner_text()
    assert not Consent.objects.exists()
    form = page.locator("[data-testid=consent-form]")
    assert form.locator("input[name=risks][value=metallosis]").is_checked()
    form.locator("input[name=side][value=right]").check()
    form.locator("button:has-text('Record consent')").click()

    shown = page.locator("[data-testid=consent-record]")
    shown.wait_for()
    assert page.locator("[data-testid=no-consent]").count() == 0
    text = shown.inner_text()
    assert "right hip" in text
    assert surgeon.get_full_name() in text or surgeon.username in text
    risks = page.locator("[data-testid=consent-risks]").inner_text()
    assert "Fracture, usually of the neck of the thigh bone: About 1 in 100 men" in risks
    assert "Dislocation: not known" in risks
    assert "48 mm head" in risks  # the restricted head size was discussed
    alternatives = page.locator("[data-testid=consent-alternatives]").inner_text()
    assert "No operation for now" in alternatives
    assert "Total hip replacement" in alternatives
    assert f"Version {procedure.patient_information.version}" in text
    assert "returning to tennis" in text
    stored = Consent.objects.get(episode=episode)
    assert stored.is_current
    assert stored.side == "right"
