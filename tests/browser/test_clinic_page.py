"""The nurse's clinic page in a real browser: record a reading, see the panel change.

Playwright drives Debian's Chromium (/usr/bin/chromium, installed by `make browser`); no
browser is downloaded. Without Chromium these tests skip, except on CI, where they fail.
"""

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.pathways import services as pathways

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recording_a_bmi_changes_the_readiness_panel(live_server, browser, nurse, surgeon, bert):
    episode = pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB
    )
    for state in ("assessed", "listed"):
        pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "nia")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/clinic/")
    bmi_row = page.locator("tr[data-requirement=bmi]")
    assert "missing" in bmi_row.inner_text()

    form = page.locator("form[action$='/clinic/observation/']")
    form.locator("select[name=code]").select_option("bmi")
    form.locator("input[name=value]").fill("42.5")
    form.locator("input[name=unit]").fill("kg/m2")
    form.locator("input[name=observed_on]").fill(clock.today().isoformat())
    form.locator("button[type=submit]").click()

    page.wait_for_url(f"**/staff/episodes/{episode.public_id}/clinic/")
    assert "abnormal" in page.locator("tr[data-requirement=bmi]").inner_text()
    assert "Refer for weight management" in page.locator("tr[data-requirement=bmi]").inner_text()
    assert page.locator("[data-testid=readiness]").inner_text() == "optimise"
    assert "Optimising" in page.content()  # BMI 40 or more: the episode moved to optimising


def test_a_refused_reading_is_explained_beside_its_field(
    live_server, browser, nurse, surgeon, bert
):
    episode = pathways.open_episode(
        patient=bert, side="right", procedure="bhr", by=nurse, via=Via.WEB
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "nia")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/clinic/")
    form = page.locator("form[action$='/clinic/observation/']")
    form.locator("select[name=code]").select_option("haemoglobin")
    form.locator("input[name=value]").fill("300")
    form.locator("input[name=unit]").fill("g/L")
    form.locator("input[name=observed_on]").fill(clock.today().isoformat())
    form.locator("button[type=submit]").click()
    error = page.locator("form[action$='/clinic/observation/'] .errorlist").first
    assert "plausible range" in error.inner_text()


def test_a_caution_is_shown_and_a_surgeon_acknowledges_it(
    live_server, browser, nurse, surgeon, ada
):
    # Issue 10: candidacy said "indicated" while a finding said otherwise, and neither the
    # clinic page nor the CDS card showed a caution. A medium lesion (Kerboul over 190) is one.
    from coxa.assessment.domain.entries import Kind
    from coxa.assessment.services.entries import record_entries
    from tests.journeys import list_episode, pre_assessment

    episode = list_episode(ada, surgeon, side="right", procedure="core-decompression")
    entries = pre_assessment(episode, clock.today())
    entries[-1][1]["kerboul_angle_deg"] = 215
    record_entries(
        episode=episode,
        entries=[(Kind(kind), payload) for kind, payload in entries],
        by=nurse,
        via=Via.WEB,
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", surgeon.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/clinic/")
    assert page.locator("[data-testid=candidacy]").inner_text() == "caution"
    cautions = page.locator("[data-testid=cautions]").inner_text()
    assert "Kerboul angle 215" in cautions
    assert "not yet acknowledged" in cautions
    assert "A surgeon must acknowledge" in page.locator("[data-testid=gate]").inner_text()
    assert "Listed" in page.content()

    page.fill("#ack-reason", ".")
    page.click("button:has-text('Acknowledge the cautions')")
    assert "a sentence, not a mark" in page.locator("#candidacy-panel").inner_text()

    page.fill("#ack-reason", "Collapse risk discussed; she wants to try to keep her own hip.")
    page.click("button:has-text('Acknowledge the cautions')")
    page.wait_for_url(f"**/staff/episodes/{episode.public_id}/clinic/")
    assert "acknowledged" in page.locator("[data-testid=cautions]").inner_text()
    assert "Ready for surgery" in page.locator("[data-testid=gate]").inner_text()
    assert "Ready for surgery" in page.content()
