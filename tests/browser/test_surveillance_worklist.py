"""A nurse works the metal-on-metal surveillance worklist in a real browser (issue 15)."""

import dataclasses
import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.patients import services as patients
from coxa.surveillance.domain.inputs import EnrolIn
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import enrolment
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_nurse_enrols_signed_hips_filters_the_list_and_opens_an_invitation(
    live_server, browser, surgeon, nurse, bert, ada
):
    operated = clock.today() - dt.timedelta(days=370)  # its first check was due 5 days ago
    # A letter needs a postal address (H92).
    addressed = dataclasses.replace(bert.to_details(), address="1 High Street", postcode="LS1 4AB")
    patients.update_patient(patient=bert, details=addressed, by=nurse, via=Via.WEB)
    signed = walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=operated - dt.timedelta(days=21),
        operated_on=operated,
    )
    entry = EnrolIn.model_validate(
        {"side": "right", "implant": "resurfacing", "head_mm": 44, "operated_on": "2008-03-01"}
    )
    enrolment.enrol_by_hand(patient=ada, entry=entry, by=surgeon, via=Via.WEB)

    page = browser.new_page()
    errors: list[str] = []
    # What the Content Security Policy blocks is reported on the console.
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    _sign_in(page, live_server, nurse)
    page.click("nav >> a:has-text('Surveillance')")
    page.wait_for_selector("h1:has-text('Metal-on-metal surveillance')")
    assert "conservative default" in page.locator("[data-testid=unchecked]").inner_text()
    table = page.locator("[data-testid=surveillance-worklist]")
    assert "1 hip" in table.locator("caption").inner_text()
    assert "LOVELACE-BYRON" in table.inner_text()
    assert "OKAFOR" not in table.inner_text()

    # Bert's signed resurfacing waits for the sweep: enrol it now from the banner.
    banner = page.locator("[data-testid=pending]")
    assert "1 resurfaced hip signed and not yet enrolled" in banner.inner_text()
    page.click("[data-testid=enrol-now]")
    page.wait_for_selector("text=1 hip enrolled for lifelong surveillance")
    assert Enrolment.objects.filter(episode=signed).exists()
    assert page.locator("[data-testid=pending]").count() == 0
    assert "2 hips" in table.locator("caption").inner_text()
    assert "OKAFOR" in table.inner_text()

    # Bert's first check was due 5 days ago; Ada's hip, enrolled by hand, is due today.
    page.select_option("#status", "overdue")
    page.click("form.inline button[type=submit]")
    page.wait_for_url("**status=overdue")
    assert "OKAFOR" in table.inner_text()
    assert "LOVELACE-BYRON" not in table.inner_text()
    assert "Overdue" in table.inner_text()

    page.click(f"a[href='/staff/episodes/{signed.public_id}/surveillance/letter/']")
    page.wait_for_selector("h1:has-text('An invitation to your hip check')")
    assert "cobalt and chromium" in page.content()
    assert "?" not in page.url  # nothing about the patient in the address
    assert "Your check was due on" in page.content()  # overdue: as soon as you can
    assert errors == []
