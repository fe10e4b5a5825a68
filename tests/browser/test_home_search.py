"""The home page's patient search answers in place with htmx: the page stays, the results come.

htmx is a static file from django-htmx (no CDN); without JavaScript the same form opens the
search page (the patients app's tests), so nothing depends on the script.
"""

import pytest

from coxa.conftest import PASSWORD
from tests.browser.axe import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_searching_from_home_shows_the_patients_under_the_box(live_server, browser, nurse, bert):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", nurse.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/")
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src)")
    assert any("/static/django_htmx/htmx" in s for s in scripts), scripts
    assert all(s.startswith(live_server.url) for s in scripts)  # nothing from elsewhere
    page.fill("#q", "Okafor")
    page.locator("form[role=search] button[type=submit]").click()
    results = page.locator("[data-testid=home-search-results]")
    results.locator("table").wait_for()
    assert page.url.endswith("/staff/")  # no page load: the results came in place
    assert "OKAFOR, Bert" in results.inner_text()
    assert "1 patient found" in results.inner_text()
    assert page.locator("h1").inner_text() == "My list today"
    assert not describe(violations(page))
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0
    results.locator(f"a[href*='/patients/{bert.public_id}/']").click()
    page.wait_for_url(f"**/patients/{bert.public_id}/")
