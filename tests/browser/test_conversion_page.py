"""A surgeon records a conversion through the page, in a real browser (issue 14)."""

import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.outcomes.models import Conversion
from coxa.pathways.models import Episode
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_surgeon_records_a_conversion_and_lands_on_the_linked_episode(
    live_server, browser, surgeon, bert
):
    today = clock.today()
    hip = walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=today - dt.timedelta(days=221),
        operated_on=today - dt.timedelta(days=200),
    )
    page = browser.new_page()
    _sign_in(page, live_server, surgeon)
    page.goto(f"{live_server.url}/staff/episodes/{hip.public_id}/")
    page.click("a:has-text('Record a conversion or revision')")
    page.wait_for_selector("h1:has-text('Record a conversion or revision')")

    # A day before the operation first: refused beside the date, nothing saved.
    page.fill("input[name=on]", (today - dt.timedelta(days=201)).isoformat())
    page.select_option("select[name=reason]", "collapse")
    page.select_option("select[name=procedure]", "total-hip-replacement")
    page.click("main button[type=submit]")
    error = page.locator("#id_on_error")
    error.wait_for()
    assert "cannot be before the operation" in error.inner_text()
    assert page.locator("input[name=on]").get_attribute("aria-describedby").count("id_on_error")
    assert page.locator("select[name=reason]").input_value() == "collapse"  # kept
    assert not Conversion.objects.exists()

    page.fill("input[name=on]", (today - dt.timedelta(days=2)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Converted from")
    new = Episode.objects.get(converted_from=hip)
    assert page.url.endswith(f"/staff/episodes/{new.public_id}/")
    assert "Right hip: Total hip replacement" in page.locator("h1").inner_text()
    assert "Conversion recorded" in page.content()
    assert Episode.objects.get(pk=hip.pk).state == "converted"
