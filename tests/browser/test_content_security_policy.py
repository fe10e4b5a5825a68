"""The strict Content-Security-Policy in a real browser: nothing on the main pages breaks it.

Chromium reports every blocked inline script, style attribute or resource on the console
("... violates the following Content Security Policy directive ..."); these tests listen
for it on each page, and check that what needed a script (the API docs' Swagger UI) works.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from coxa.conftest import PASSWORD
from coxa.core import clock
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Violations:
    """Every console message and page error that names the Content Security Policy."""

    def __init__(self, page):
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.seen.append(f"{message.type}: {message.text}")


def _sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_a_violation_would_be_seen(live_server, browser):
    # The listener is not deaf: an inline style added to a Coxa page is reported.
    page = browser.new_page()
    violations = Violations(page)
    page.goto(f"{live_server.url}/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_timeout(200)
    assert violations.seen


def test_the_main_staff_pages_keep_the_policy(live_server, browser, surgeon, bert):
    episode = walk_to(
        "scheduled",
        patient=bert,
        by=surgeon,
        side="right",
        listed_on=clock.today() - dt.timedelta(days=3),
    )
    page = browser.new_page()
    violations = Violations(page)
    _sign_in(page, live_server.url, surgeon.username)
    assert page.url.endswith("/staff/")
    # The workspace's search box posts: the name reaches the results, never the address.
    page.fill("main #q", "okafor")
    page.click("main form[role=search] button[type=submit]")
    # htmx brings the results under the box (the page stays; htmx is a static file).
    page.locator("[data-testid=home-search-results] table").wait_for()
    assert "okafor" not in page.url.lower()
    assert "OKAFOR, Bert" in page.locator("main table").inner_text()
    page.click("text=OKAFOR, Bert")
    page.wait_for_url(f"**/staff/patients/{bert.public_id}/")
    assert "Okafor" not in page.title()
    for path in (
        f"/staff/episodes/{episode.public_id}/",
        f"/staff/episodes/{episode.public_id}/clinic/",
        f"/staff/episodes/{episode.public_id}/operation/",
        "/staff/episodes/",
        "/staff/worklists/pre-assessment/",
        "/staff/worklists/theatre-and-recovery/",
        "/staff/worklists/follow-up/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("main h1").count() == 1, path
        assert "Okafor" not in page.title(), path
    assert violations.seen == []


def test_the_analytics_page_shows_its_plots_within_the_policy(
    live_server, browser, analyst, settings, tmp_path
):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    out = str(tmp_path / "regional.parquet")
    call_command(
        "synth", "registry", "--hips", "1500", "--seed", "4", "--out", out, stdout=StringIO()
    )
    page = browser.new_page()
    violations = Violations(page)
    _sign_in(page, live_server.url, analyst.username)
    page.goto(f"{live_server.url}/staff/analytics/")
    page.select_option("#id_source", "regional.parquet")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/analytics/?*")
    plots = page.locator("figure.plot img")
    assert plots.count() == 4  # survival, incidence, two funnels
    for i in range(4):  # each SVG decoded and drawn, at the width of the page
        assert plots.nth(i).evaluate("img => img.complete && img.naturalWidth") > 0
        assert plots.nth(i).bounding_box()["height"] > 100
    assert violations.seen == []


def test_the_portal_keeps_the_policy(live_server, browser, ada, ada_user):
    page = browser.new_page()
    violations = Violations(page)
    _sign_in(page, live_server.url, ada_user.username)
    page.goto(f"{live_server.url}/portal/")
    assert "Lovelace-Byron" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/")
    assert violations.seen == []


def test_the_portals_letter_and_plan_keep_the_policy(live_server, browser, ada, ada_user, surgeon):
    episode = walk_to(
        "scheduled",
        patient=ada,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=clock.today() - dt.timedelta(days=3),
    )
    page = browser.new_page()
    violations = Violations(page)
    _sign_in(page, live_server.url, ada_user.username)
    page.goto(f"{live_server.url}/portal/letters/{episode.public_id}/")
    assert "Dear Ada Lovelace-Byron" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/portal/recovery/{episode.public_id}/")
    assert page.locator("table.plan").count() == 1  # surgery's shared partial
    assert page.locator("ul.appointments li").count() > 0
    # What to watch for and whom to call (issue 13): visible, and the numbers can be dialled.
    signs = page.locator("section.warning-signs")
    assert signs.is_visible()
    assert "call 999" in signs.locator("ul.get-help-now").inner_text()
    assert signs.locator("ul.call-us li").count() >= 4
    assert signs.locator("a[href^='tel:']").count() == 2
    assert violations.seen == []


def test_the_api_docs_run_their_scripts_within_the_same_policy(live_server, browser, nurse, bert):
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": nurse.username, "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    page = browser.new_page()
    violations = Violations(page)
    page.goto(f"{live_server.url}/api/v1/docs")
    # Swagger UI is drawn by script: its operations, dialogs and requests work only if the
    # scripts run. Authorise with a bearer token, then search by body.
    page.click("button.authorize")
    bearer = page.locator(".auth-container").filter(has_text="BearerAuth")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    page.click("button.btn-done")
    search = page.locator("#operations-patients-coxa_patients_api_search_patients_by_body")
    search.locator(".opblock-summary").click()
    search.locator("button.try-out__btn").click()
    search.locator("textarea.body-param__text").fill('{"q": "okafor"}')
    search.locator("button.execute").click()
    answer = search.locator(".live-responses-table tbody .response-col_status")
    answer.first.wait_for()
    assert answer.first.inner_text().strip() == "200"
    assert "Okafor" in search.locator(".responses-wrapper .highlight-code").first.inner_text()
    assert violations.seen == []
