"""The hip's surveillance page, the worklist and the recall page on a phone (390 px wide):
nothing pushes the page sideways; a wide table scrolls in its own labelled region."""

import datetime as dt

import pytest

from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from coxa.surveillance.domain.inputs import ImagingIn, MetalIonsIn, ReviewIn
from coxa.surveillance.services import records, reviews
from coxa.surveillance.services.enrolment import enrol_episode
from tests.journeys import walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# What in the page sticks out to the right (outside a scrolling region), with where it is:
# the site's menu wraps on a phone, so nothing in the header does either.
STICKING_OUT = """() => [...document.querySelectorAll('header *, main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.table-wrap *'))
  .map(e => `${e.tagName} in #${(e.closest('[id]') || {}).id}`)
  .slice(0, 5)"""


def _sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _fits(page):
    assert page.evaluate(STICKING_OUT) == [], page.url


def test_the_surveillance_pages_fit_a_phone(live_server, browser, surgeon, nurse, bert):
    today = clock.today()
    hip = walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        side="right",
        listed_on=today - dt.timedelta(days=381),
        operated_on=today - dt.timedelta(days=360),
    )
    enrol_episode(episode=hip, by=surgeon, via=Via.WEB)
    level = {"value": 9.4, "unit": "ug/L"}
    records.record_metal_ions(
        episode=hip,
        entry=MetalIonsIn.model_validate(
            {
                "sampled_on": today,
                "matrix": "whole-blood",
                "cobalt": level,
                "chromium": level,
                "laboratory": "Royal Infirmary trace elements laboratory",
            }
        ),
        by=nurse,
        via=Via.WEB,
    )
    for modality in ("mars-mri", "xray"):
        records.record_imaging(
            episode=hip,
            entry=ImagingIn.model_validate(
                {
                    "performed_on": today,
                    "modality": modality,
                    "report": "Thick-walled collection posterior to the joint " * 3,
                }
            ),
            by=nurse,
            via=Via.WEB,
        )
    symptoms = dict.fromkeys(("pain", "swelling", "clicking", "new-limp", "systemic"), "no")
    reviews.record_review(
        episode=hip,
        entry=ReviewIn.model_validate({"reviewed_on": today, "symptoms": symptoms}),
        by=nurse,
        via=Via.WEB,
    )
    page = browser.new_page(viewport=PHONE)
    _sign_in(page, live_server, nurse)
    for url in (
        f"/staff/episodes/{hip.public_id}/surveillance/",
        f"/staff/episodes/{hip.public_id}/surveillance/reviews/",
        "/staff/worklists/surveillance/",
    ):
        page.goto(f"{live_server.url}{url}")
        _fits(page)
    page.goto(f"{live_server.url}/staff/surveillance/recall/")
    page.fill("input[name=product]", "Birmingham")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_selector("#found-h")
    _fits(page)
    page.goto(f"{live_server.url}/staff/episodes/{hip.public_id}/surveillance/")
    region = page.locator(".table-wrap[role=region]:has([data-testid=results])")
    assert region.get_attribute("aria-label")
    assert region.get_attribute("tabindex") == "0"
