"""A nurse prints the invitation letters for the surveillance worklist in a real browser.

Issue 18 (ADR 0028, H89): the run waits for a worker and its page updates itself (htmx)
until the letters are ready, with no page load; both states are axe clean.
"""

import pytest
from django.core.management import call_command

from coxa.conftest import PASSWORD
from coxa.surveillance.tests.test_worklist_pages import enrolled_by_hand
from tests.browser.axe import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
WIDE = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.mark.usefixtures("database_queue")
def test_a_nurse_prints_the_lists_letters_and_the_page_updates_itself(live_server, browser, nurse):
    for _ in range(2):
        enrolled_by_hand(nurse, address="1 High Street", postcode="LS1 4AB")
    page = browser.new_page(viewport=PHONE)  # on a phone: nothing scrolls sideways
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", nurse.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/worklists/surveillance/")
    assert describe(violations(page)) == []
    assert not page.evaluate(WIDE)
    page.click("[data-testid=print-letters] button[type=submit]")
    page.wait_for_url("**/staff/surveillance/letters/*/")
    assert "Waiting for a background worker" in page.locator("[data-testid=stage]").inner_text()
    assert describe(violations(page)) == []
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    download = page.locator("[data-testid=download]")
    download.wait_for(timeout=10_000)  # the next poll, within two seconds
    assert "PDF, 2 letters" in download.inner_text()
    assert loads == []  # swapped in place, not reloaded
    assert describe(violations(page)) == []
    assert not page.evaluate(WIDE)
    with page.expect_download() as taken:
        download.click()
    assert taken.value.suggested_filename.startswith("hip-check-invitations-")
    assert errors == []
