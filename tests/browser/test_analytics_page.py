"""The analyst's analytics page in a real browser: choose an extract, compare, read."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.services import complications
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
    assert "S17" in page.locator("#id_surgeon").inner_text()
    page.select_option("#id_by", "sex")
    page.select_option("#id_procedure", ["bhr"])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/analytics/?*")
    heading = page.locator("#cohort-heading").inner_text()
    assert heading == "Cohort: procedure: bhr"
    assert page.locator("figure.plot img").count() == 4  # survival, incidence, two funnels
    table = page.locator("table.milestones").inner_text()
    assert "female" in table
    assert "male" in table
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
