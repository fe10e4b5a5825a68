"""The analyst's analytics page in a real browser: choose an extract, compare, read."""

from io import StringIO

import pytest
from django.core.management import call_command

from coxa.conftest import PASSWORD

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
