"""The analyst's analytics page in a real browser: choose an extract, compare, read.

By 40 surgeons the page stays small and readable at phone and desktop widths: six groups in
colour, the rest in grey, the key outside the plot, axe clean."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.services import complications
from tests.browser.axe import describe, violations
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_compares_groups_in_an_extract(
    live_server, browser, analyst, settings, tmp_path
):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    call_command(
        "synth",
        "registry",
        "--hips",
        "3000",
        "--seed",
        "4",
        "--out",
        str(tmp_path / "regional.parquet"),
        stdout=StringIO(),
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.click("text=Analytics")
    page.select_option("#id_source", "regional.parquet")
    page.click("main form button[type=submit]")  # the filters now offer the extract's values
    page.wait_for_url("**/staff/analytics/?*")
    assert "Ms Quinn" in page.locator("#id_surgeon").inner_text()  # names, not codes
    page.select_option("#id_by", "sex")
    page.select_option("#id_procedure", ["bhr"])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/analytics/?*")
    heading = page.locator("#cohort-heading").inner_text()
    assert heading == "Cohort: Procedure: Birmingham Hip Resurfacing"
    assert page.locator("figure.plot img").count() == 4  # survival, incidence, two funnels
    table = page.locator("table.milestones").inner_text()
    assert "Female" in table
    assert "Male" in table
    assert "Log-rank test across 2 groups" in page.content()


def test_an_analyst_reads_complication_rates_within_fixed_windows(
    live_server, browser, analyst, surgeon, bert
):
    """Coxa's own records: rates within 90 days and 1 year, PROM change at fixed points."""
    hip = walk_to("recovering", patient=bert, by=surgeon, listed_on=dt.date(2025, 1, 6))
    found = dt.date(2025, 6, 2)  # day 126: within the year, not within 90 days
    with clock.replaying(timezone.make_aware(dt.datetime.combine(found, dt.time(12)))):
        complications.record_complication(
            episode=hip, type="dislocation", found_on=found, clavien_dindo="IIIb",
            outcome="resolved", by=surgeon, via=Via.WEB,
        )  # fmt: skip
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.click("text=Analytics")
    section = page.locator("[data-testid=outcome-figures]")
    assert "Within 90 days of the operation" in section.inner_text()
    early = page.locator("table.complication-rates[data-window='90']").inner_text()
    late = page.locator("table.complication-rates[data-window='365']").inner_text()
    assert "Birmingham Hip Resurfacing" in early
    assert "0 of 1" in early
    assert "Dislocation: 1 of 1" in late
    assert "Bert" not in section.inner_text()


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
# What in the page sticks out to the right (outside a scrolling region).
STICKING_OUT = """() => [...document.querySelectorAll('header *, main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.table-wrap *'))
  .map(e => `${e.tagName} in #${(e.closest('[id]') || {}).id}`)
  .slice(0, 5)"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_forty_surgeons_read_at_phone_and_desktop_sizes(
    live_server, browser, analyst, settings, tmp_path, size
):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    out = str(tmp_path / "regional.parquet")
    call_command(
        "synth", "registry", "--hips", "4000", "--seed", "4", "--out", out, stdout=StringIO()
    )
    page = browser.new_page(viewport=size)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    url = f"{live_server.url}/staff/analytics/?source=regional.parquet&by=surgeon"
    response = page.goto(url)
    assert response is not None
    assert len(response.body()) < 400_000  # was 9.0 MB (9.4 MB for 20,000 hips)
    rule = page.locator("[data-testid=highlight-rule]").inner_text()
    assert "The 34 other surgeons are thin grey lines" in rule
    plots = page.locator("figure.plot img")
    assert plots.count() == 4
    for i in range(4):
        assert plots.nth(i).evaluate("img => img.complete && img.naturalWidth") > 0
        assert plots.nth(i).bounding_box()["width"] <= size["width"]
    assert "34 other surgeons in grey" in (plots.first.get_attribute("alt") or "")
    assert page.evaluate(STICKING_OUT) == []
    assert describe(violations(page)) == []
    page.select_option("#id_highlight", "Mr Novak")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/analytics/?*")
    rule = page.locator("[data-testid=highlight-rule]").inner_text()
    assert "by number of hips (Mr Novak, " in rule
