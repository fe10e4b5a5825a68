"""A clinic's day in a real browser, each role from its own home page (issue 16's "done when").

A nurse's pre-assessment clinic, a surgeon's day (book, write, sign) and a physiotherapist's
review, each at a desktop (1366 by 768) and a phone (390 by 844) size. On every page the walk
reaches: no horizontal scroll, no axe-core violation (WCAG 2.2 AA), and a screenshot kept as
a test artefact (tests/browser/conftest.py `artefacts`: var/test-artefacts unless
$COXA_BROWSER_ARTEFACTS says otherwise).
"""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from coxa.conftest import PASSWORD
from coxa.core import clock
from tests.browser.axe import describe, violations
from tests.journeys import admit, list_episode, take_consent, walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


class Walk:
    """One role's walk at one size: checks and keeps every page it sees."""

    def __init__(self, browser: Any, base: str, size: str, folder: Path) -> None:
        width, height = SIZES[size]
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.base = base
        self.size = size
        self.folder = folder
        self.seen = 0
        self.problems: list[str] = []

    def sign_in(self, username: str) -> None:
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url("**/staff/")
        self.check("home")

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.seen += 1
        page.screenshot(path=str(self.folder / f"{self.seen:02d}-{name}-{self.size}.png"))
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        where = re.sub(r"[0-9a-f-]{36}", "<id>", page.url.removeprefix(self.base))
        if wide > 0:
            self.problems.append(f"{where} ({self.size}): scrolls sideways by {wide} px")
        self.problems += [f"{where} ({self.size}): {v}" for v in describe(violations(page))]

    def click(self, selector: str, name: str) -> None:
        self.page.locator(selector).first.click()
        self.check(name)

    def done(self) -> None:
        assert not self.problems, "\n".join(self.problems)
        assert self.seen >= 3


@pytest.mark.parametrize("size", SIZES)
def test_a_nurse_runs_her_clinic_from_her_home_page(
    live_server, browser, artefacts, size, nurse, surgeon, bert
):
    episode = list_episode(bert, surgeon)
    walk = Walk(browser, live_server.url, size, artefacts)
    walk.sign_in(nurse.username)
    # Her list names the hip that is not ready; one click opens its clinic.
    walk.click(f".home-groups a[href*='{episode.public_id}/clinic/']", "clinic")
    page = walk.page
    form = page.locator("form:has(#id_observation_bmi_value)")
    if not form.is_visible():  # its section is closed: open it
        page.locator("details:has(#id_observation_bmi_value) > summary").click()
    form.locator("input[name=value]").fill("27.5")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/staff/episodes/{episode.public_id}/clinic/**")
    walk.check("clinic-recorded")
    assert "27.5" in page.locator("main").inner_text()
    # A bad reading is refused beside its field, with focus on the error summary.
    form = page.locator("form:has(#id_observation_haemoglobin_value)")
    if not form.is_visible():
        page.locator("details:has(#id_observation_haemoglobin_value) > summary").click()
    form.locator("input[name=value]").fill("300")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    walk.check("clinic-refused")
    focused = page.evaluate("() => document.activeElement.className")
    assert "error-summary" in focused
    walk.done()


@pytest.mark.parametrize("size", SIZES)
def test_a_surgeon_books_writes_and_signs_from_his_home_page(  # noqa: PLR0915
    live_server, browser, artefacts, size, surgeon, bert
):
    today = clock.today()
    now = timezone.localtime()
    if now.hour == 0 and now.minute < 10:
        pytest.skip("too close to midnight to have operated today")
    episode = walk_to(
        "ready", patient=bert, by=surgeon, side="right", listed_on=today - dt.timedelta(days=3)
    )
    take_consent(episode, surgeon)
    admit(episode, surgeon, today)  # the VTE reassessment on admission
    walk = Walk(browser, live_server.url, size, artefacts)
    walk.sign_in(surgeon.username)
    page = walk.page
    # Find the patient from the home page, open the hip, follow its next step: booking.
    page.fill("#q", "Okafor")
    page.locator("form[role=search] button[type=submit]").click()
    walk.check("search")
    walk.click(f"main a[href*='/patients/{bert.public_id}/']", "chart")
    walk.click(f"main a[href*='/episodes/{episode.public_id}/']", "episode")
    walk.click("[data-testid=steps] a:has-text('Book the operation')", "operation")
    booking = page.locator(f"form[action$='/episodes/{episode.public_id}/operation/schedule/']")
    booking.locator("input[name=operation_date]").fill(today.isoformat())
    booking.locator("select[name=surgeon]").select_option(surgeon.username)
    booking.locator("input[name=theatre_list]").fill("All day")
    booking.locator("input[name=start_time]").fill("08:30")
    booking.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    walk.check("booked")
    assert "Booked for" in page.locator("main").inner_text()
    # Back home: today's list shows the hip at its time; one click to write the note.
    walk.click("header a:has-text('Workspace')", "home-listed")
    assert "08:30" in page.locator(".home-groups").inner_text()
    walk.click(f".home-groups a[href*='{episode.public_id}/operation/']", "operation-day")
    form = page.locator("[data-testid=note-form]")
    start = max(now - dt.timedelta(minutes=90), now.replace(hour=0, minute=0))
    form.locator("#started_at").fill(f"{start:%H:%M}")
    form.locator("#ended_at").fill(f"{now - dt.timedelta(minutes=2):%H:%M}")
    for row, size_mm, lot in (("femoral", "52", "LOT-F52"), ("acetabular", "58", "LOT-A58")):
        form.locator(f"input[name=implant-{row}-manufacturer]").fill("Smith & Nephew")
        form.locator(f"input[name=implant-{row}-size_mm]").fill(size_mm)
        form.locator(f"input[name=implant-{row}-lot]").fill(lot)
    form.locator("#findings").fill("Good bone stock")
    form.locator("#vte-choice").select_option("regimen")
    form.locator("#vte-regimen").select_option("lmwh-then-aspirin")
    form.locator("#vte-dose").fill("Enoxaparin 40 mg, then aspirin 150 mg, once a day")
    form.locator("button:has-text('Save draft')").click()
    page.wait_for_selector("text=Draft")
    walk.check("draft")
    # Home again: the note waits for his signature; one click, then sign it.
    walk.click("header a:has-text('Workspace')", "home-to-sign")
    walk.click(f".home-groups a[href*='{episode.public_id}/operation/']", "to-sign")
    page.locator("[data-testid=note-form] button:has-text('Save and sign the note')").click()
    page.wait_for_selector("[data-testid=signed-note]")
    walk.check("signed")
    walk.done()


@pytest.mark.parametrize("size", SIZES)
def test_a_physiotherapist_records_a_review_due_on_her_list(
    live_server, browser, artefacts, size, physio, surgeon, bert
):
    today = clock.today()
    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=today - dt.timedelta(days=41),
        operated_on=today - dt.timedelta(days=20),
    )
    walk = Walk(browser, live_server.url, size, artefacts)
    walk.sign_in(physio.username)
    page = walk.page
    walk.click(f".home-groups a[href*='{episode.public_id}/operation/']", "operation")
    review = page.locator(f"form[action$='/episodes/{episode.public_id}/recovery-plan/review/']")
    review.locator("input[name=reviewed_on]").fill(today.isoformat())
    review.locator("select[name=walking_aid]").select_option("crutches")
    review.locator("select[name=weight_bearing]").select_option("as-advised")
    review.locator("input[name=flexion_deg]").fill("85")
    review.locator("input[name=pain]").fill("3")
    review.locator("[name=exercises_progressed]").fill("Added bridging and step-ups")
    review.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    walk.check("reviewed")
    assert "Added bridging and step-ups" in page.locator("#physio-h ~ *").first.inner_text() or (
        "Added bridging and step-ups" in page.locator("main").inner_text()
    )
    walk.done()
