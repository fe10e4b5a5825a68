"""The surgeon's operation page in a real browser: write and sign a note, read the plan."""

import datetime as dt

import pytest
from django.utils import timezone

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.words import long_date
from coxa.surgery.services.schedule import schedule
from tests.journeys import admit, take_consent, walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_surgeon_writes_and_signs_a_note_and_sees_the_plan(live_server, browser, surgeon, bert):  # noqa: PLR0915
    today = clock.today()
    episode = walk_to(
        "ready",
        patient=bert,
        by=surgeon,
        side="right",
        listed_on=today - dt.timedelta(days=3),
    )
    take_consent(episode, surgeon)
    schedule(
        episode=episode,
        operation_on=today,
        surgeon=surgeon,
        theatre_list="All day",
        by=surgeon,
        via=Via.WEB,
    )
    admit(episode, surgeon, today)  # the VTE reassessment on admission
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", surgeon.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/operation/")
    form = page.locator("[data-testid=note-form]")
    # An operation of today has ended before now (a note of the future is refused).
    now = timezone.localtime()
    if now.hour == 0 and now.minute < 5:
        pytest.skip("too close to midnight to have operated today")
    start = max(now - dt.timedelta(minutes=90), now.replace(hour=0, minute=0))
    form.locator("#started_at").fill(f"{start:%H:%M}")
    form.locator("#ended_at").fill(f"{now - dt.timedelta(minutes=2):%H:%M}")
    for row, size, lot in (("femoral", "52", "LOT-F52"), ("acetabular", "58", "LOT-A58")):
        form.locator(f"input[name=implant-{row}-manufacturer]").fill("Smith & Nephew")
        form.locator(f"input[name=implant-{row}-size_mm]").fill(size)
        form.locator(f"input[name=implant-{row}-lot]").fill(lot)
    form.locator("#findings").fill("Good bone stock")
    form.locator("#vte-choice").select_option("regimen")
    form.locator("#vte-regimen").select_option("lmwh-then-aspirin")
    form.locator("#vte-dose").fill("Enoxaparin 40 mg, then aspirin 150 mg, once a day")
    form.locator("button:has-text('Save draft')").click()
    page.wait_for_selector("text=Draft")
    # The draft reopens with its implants; an edit on screen is what gets signed.
    form = page.locator("[data-testid=note-form]")
    assert form.locator("input[name=implant-femoral-lot]").input_value() == "LOT-F52"
    form.locator("#findings").fill("Good bone stock; edited before signing")
    form.locator("button:has-text('Save and sign the note')").click()
    page.wait_for_selector("[data-testid=signed-note]")
    assert "edited before signing" in page.locator("[data-testid=signed-note]").inner_text()
    assert page.locator("[data-testid=state]").inner_text() == "Operated"
    assert "LOT-F52" in page.locator("[data-testid=signed-note]").inner_text()
    crutches = page.locator("tr[data-phase=crutches]").inner_text()
    cane = page.locator("tr[data-phase=cane]").inner_text()
    # Phases are clinical day counts (never moved to a working day), written as letters do.
    assert long_date(today + dt.timedelta(days=14)) in crutches
    assert long_date(today + dt.timedelta(days=42)) in cane
    assert page.locator("[data-testid=note-form]").count() == 0  # signed: no more editing
    # The plan shows the patient's warning signs and the service's numbers (issue 13).
    signs = page.locator("#plan-h ~ section.warning-signs")
    assert signs.is_visible()
    # The prophylaxis prescribed, with its end date in words (NG89: 10 + 28 days).
    ends = today + dt.timedelta(days=37)
    shown = page.locator("[data-testid=prophylaxis]").inner_text()
    assert f"until {ends.day} {ends:%B %Y}" in shown
    # A hip that may be out of its socket or broken is an emergency (999 or A&E); new hip
    # pain even without a fall is a call the same day (H77's review).
    assert "come out of its socket" in signs.locator("ul.get-help-now").inner_text()
    assert "even without a fall" in signs.locator("ul.call-us").inner_text()
    assert signs.locator("a[href='tel:01214960000']").inner_text() == "0121 496 0000"
