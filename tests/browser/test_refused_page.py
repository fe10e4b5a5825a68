"""A refused submission in a real browser: the page says why, keeps the text, fits, passes axe.

A physiotherapist is not offered the addendum; one forced (a form built in the page, as a
stale tab or a crafted request would send it) gets the 403 page in the site's layout, with
what was typed, at a phone's width and a laptop's, with no horizontal scroll.
"""

import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from tests.browser.artefacts import artefacts_root
from tests.browser.axe import describe, violations
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = artefacts_root() / "refused"
FORCE = """([action, text]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  for (const [name, value] of [["text", text],
       ["csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value]]) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_a_forced_addendum_is_refused_on_a_page_that_keeps_the_text(
    live_server, browser, surgeon, physio, bert, width, height
):
    hip = walk_to(
        "operated", patient=bert, by=surgeon, listed_on=clock.today() - dt.timedelta(days=60)
    )
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", physio.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/**")
    operation = f"{live_server.url}/staff/episodes/{hip.public_id}/operation/"
    page.goto(operation)
    assert page.locator("form[action$='/operation/addendum/']").count() == 0
    typed = "Wound dry on day two; the patient asked about driving."
    with page.expect_navigation():
        page.evaluate(FORCE, [operation + "addendum/", typed])
    assert "Not allowed" in page.locator("h1").inner_text()
    said = page.locator("[data-testid=refused]").inner_text()
    assert "Your role, Physiotherapist, may not add an addendum to an operation note." in said
    assert "A surgeon can." in said
    assert typed in page.locator("[data-testid=typed]").inner_text()
    assert page.locator("header.top nav").count() == 1  # the layout stays
    assert page.get_attribute("a:has-text('Back to the page')", "href").endswith("/operation/")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{wide} px wide at {width} px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"refused-{width}.png"), full_page=True)
    assert describe(violations(page)) == []
