"""After a failed submit the page comes back with the focus on its error summary.

A keyboard or screen-reader user starts at "There is a problem", and each problem's link
moves the focus to its field. No script: the summary is focusable (tabindex="-1") and has
the autofocus attribute (coxa/core/templates/core/form_errors.html).
"""

import pytest
from django.conf import settings
from django.test import Client

from coxa.conftest import sign_in
from tests.browser.axe import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOCUSED = "() => document.activeElement.dataset.testid || document.activeElement.id"


def _signed_in_page(browser, live_server, user, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(90_000)  # a busy machine of two cores shared by many
    client = sign_in(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_bad_nhs_number_brings_the_page_back_focused_on_the_problem(
    live_server, browser, nurse, width
):
    page = _signed_in_page(browser, live_server, nurse, width)
    page.goto(f"{live_server.url}/staff/patients/new/")
    assert page.locator("[data-testid=form-errors]").count() == 0  # nothing wrong yet
    page.fill("#id_given_name", "Cleo")
    page.fill("#id_family_name", "Hart")
    page.fill("#id_date_of_birth", "1980-05-17")
    page.select_option("#id_sex", "female")
    page.fill("#id_nhs_number", "943 476 5918")  # the check digit is wrong (…5919 is right)
    page.click("main form button[type=submit]")
    summary = page.locator("[data-testid=form-errors]")
    summary.wait_for()
    assert summary.count() == 1
    assert page.evaluate(FOCUSED) == "form-errors"
    assert summary.get_attribute("tabindex") == "-1"
    assert "There is a problem" in summary.locator("h2").inner_text()
    # The summary is in view, and nothing else on the page asks for the focus.
    assert page.locator("[autofocus]").count() == 1
    assert summary.bounding_box()["y"] < 844
    assert describe(violations(page)) == []
    link = summary.locator("a", has_text="NHS number")
    link.click()
    assert page.evaluate(FOCUSED) == "id_nhs_number"
    assert page.locator("#id_nhs_number").get_attribute("aria-invalid") == "true"
    # What was typed is still there to correct.
    assert page.locator("#id_given_name").input_value() == "Cleo"


def test_a_page_without_a_failed_submit_does_not_move_the_focus(live_server, browser, nurse):
    page = _signed_in_page(browser, live_server, nurse, 1366)
    page.goto(f"{live_server.url}/staff/patients/new/")
    assert page.evaluate("() => document.activeElement.tagName") == "BODY"


@pytest.mark.parametrize(
    "url",
    [
        "/staff/worklists/follow-up/?status=late",  # a worklist filter the service refuses
        "/staff/episodes/?state=nowhere",
    ],
)
def test_a_refused_worklist_filter_comes_back_focused_on_the_problem(
    live_server, browser, nurse, url
):
    """A problem that belongs to no form field (core/problem.html) takes the focus too."""
    page = _signed_in_page(browser, live_server, nurse, 390)
    response = page.goto(f"{live_server.url}{url}")
    assert response is not None
    assert response.status == 400
    summary = page.locator("[data-testid=form-errors]")
    assert summary.count() == 1
    assert page.evaluate(FOCUSED) == "form-errors"
    assert page.locator("[autofocus]").count() == 1
    assert describe(violations(page)) == []
