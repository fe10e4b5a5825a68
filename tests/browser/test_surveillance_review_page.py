"""A nurse records blood metal levels above 7 and a surveillance review in a real browser,
and reads the explained recommendation (issue 15)."""

import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.surveillance.models import MetalIonResult, SurveillanceReview
from coxa.surveillance.services.enrolment import enrol_episode
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_nurse_records_a_high_result_and_a_review_and_reads_the_recommendation(
    live_server, browser, surgeon, nurse, bert
):
    today = clock.today()
    hip = walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        side="right",
        listed_on=today - dt.timedelta(days=381),
        operated_on=today - dt.timedelta(days=360),
    )
    enrol_episode(episode=hip, by=surgeon, via=Via.WEB)
    page = browser.new_page()
    _sign_in(page, live_server, nurse)
    page.goto(f"{live_server.url}/staff/episodes/{hip.public_id}/")
    page.click("a:has-text('Metal-on-metal surveillance')")
    page.wait_for_selector("h1:has-text('Metal-on-metal surveillance')")
    assert page.locator("[data-testid=unchecked]").is_visible()

    # No unit first: refused beside the field, what was typed kept, nothing saved.
    page.click("a:has-text('Record blood metal levels')")
    page.fill("input[name=sampled_on]", today.isoformat())
    page.select_option("select[name=matrix]", "whole-blood")
    page.fill("input[name=cobalt_value]", "9.4")
    page.fill("input[name=chromium_value]", "3.1")
    page.select_option("select[name=chromium_unit]", "ug/L")
    page.fill("input[name=laboratory]", "Trace elements laboratory")
    page.click("main button[type=submit]")
    error = page.locator("#result-cobalt_unit_error")
    error.wait_for()
    assert page.locator("input[name=cobalt_value]").input_value() == "9.4"
    assert not MetalIonResult.every.exists()

    page.select_option("select[name=cobalt_unit]", "[ppb]")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Blood metal levels recorded.")
    assert "above 7 µg/L in whole blood" in page.locator("[data-testid=results]").inner_text()

    page.click("a:has-text('Record a review')")
    page.fill("input[name=reviewed_on]", today.isoformat())
    for symptom in ("pain", "swelling", "clicking", "new_limp", "systemic"):
        page.check(f"input[name=symptom_{symptom}][value=no]")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Review recorded.")
    review = SurveillanceReview.objects.get()
    shown = page.locator(f"#review-{review.public_id}")
    assert (
        "Image the hip (MARS MRI or ultrasound)"
        in shown.locator("[data-testid=recommendation]").inner_text()
    )
    reasons = shown.locator("[data-testid=reason]").all_inner_texts()
    assert any("mom-first-above-concern" in r for r in reasons)
    assert any("mom-levels-image" in r for r in reasons)
    assert review.recommendation == "image"
