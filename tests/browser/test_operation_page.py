"""The surgeon's operation page in a real browser: write and sign a note, read the plan."""

import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.pathways import services as pathways
from coxa.surgery.services.schedule import schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_surgeon_writes_and_signs_a_note_and_sees_the_plan(live_server, browser, surgeon, bert):
    today = clock.today()
    episode = pathways.open_episode(
        patient=bert, side="right", procedure="bhr", by=surgeon, via=Via.WEB
    )
    for state in ("assessed", "listed", "ready"):
        episode = pathways.move_episode(
            episode=episode, to=state, reason="", by=surgeon, via=Via.WEB
        ).episode
    schedule(
        episode=episode,
        operation_on=today,
        surgeon=surgeon,
        theatre_list="All day",
        by=surgeon,
        via=Via.WEB,
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", surgeon.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/staff/episodes/{episode.public_id}/operation/")
    form = page.locator("[data-testid=note-form]")
    form.locator("#started_at").fill("09:00")
    form.locator("#ended_at").fill("10:30")
    for row, size, lot in (("femoral", "52", "LOT-F52"), ("acetabular", "58", "LOT-A58")):
        form.locator(f"input[name=implant-{row}-manufacturer]").fill("Smith & Nephew")
        form.locator(f"input[name=implant-{row}-size_mm]").fill(size)
        form.locator(f"input[name=implant-{row}-lot]").fill(lot)
    form.locator("#findings").fill("Good bone stock")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Draft")
    page.click("button:has-text('Sign the note')")
    page.wait_for_selector("[data-testid=signed-note]")
    assert page.locator("[data-testid=state]").inner_text() == "Operated"
    assert "LOT-F52" in page.locator("[data-testid=signed-note]").inner_text()
    crutches = page.locator("tr[data-phase=crutches]").inner_text()
    cane = page.locator("tr[data-phase=cane]").inner_text()
    assert (today + dt.timedelta(days=14)).strftime("%-d %b %Y") in crutches
    assert (today + dt.timedelta(days=42)).strftime("%-d %b %Y") in cane
    assert page.locator("[data-testid=note-form]").count() == 0  # signed: no more editing
