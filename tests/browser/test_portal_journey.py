"""The patient portal in a real browser (issue 17, "Quality").

- Every page the demo patient reaches from /portal/ by the portal's own links (each hip, its
  letter, plan, questionnaires, a questionnaire, hip checks) at 390 and 1366 px: no sideways
  scroll, no axe-core violation, a screenshot of each kept.
- A questionnaire answered with the keyboard alone, after a failed first try.
- The journey of issue 17: a visitor reads a procedure page and asks for a consultation (first
  with a field missing, then in full); a nurse finds it in the triage queue and turns it into a
  patient with a referral episode, then invites that patient to the portal from their record;
  the patient opens the emailed link, sets a password and lands on their own records.
- The demo patient signs in (with the keyboard alone), opens a hip and sees its plan; a
  second patient who changes the URLs reaches none of the first one's pages (403 or 404).

The invitation link is read from Django's locmem outbox: pytest-django's ``live_server`` runs
the site in a thread of this same process with the test settings (locmem email backend), so
what the site sends is in ``django.core.mail.outbox`` here.
"""

import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.demo import loading, logins
from coxa.demo import services as demo
from coxa.demo.domain import plan_patients
from coxa.pathways.domain import EpisodeState
from coxa.patients.models import Patient
from tests.browser.test_public_site import (
    CONSULTATION,
    FOCUSED_TESTID,
    NEW_PASSWORD,
    error_beside,
    fits_and_passes_axe,
    hidden_stops,
    link_in_mail,
    new_page,
    send_by_keyboard,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINKS = "() => [...document.querySelectorAll('main a[href], header a[href]')].map(a => a.href)"
FILES = re.compile(r"\.(pdf|ics)$")
PAGES_AT_MOST = 40  # the demo patient's two hips have about twenty pages
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _demo_patient() -> tuple[User, Patient]:
    """The demo loaded as ``coxa demo`` loads it (fewer patients), the patient account linked."""
    users, _ = logins.ensure_users(PASSWORD)
    today = clock.today()
    plans = plan_patients(len(EpisodeState), seed=2026, today=today)
    loading.load(plans, users, today, seed=2026)
    patient = demo.link_patient_account(users[Role.PATIENT], users[Role.ADMINISTRATOR])
    assert patient is not None, "the demo has no patient for the patient account"
    # Demo accounts sign in only with COXA_DEBUG on; this one stands for a real patient here.
    User.objects.filter(pk=users[Role.PATIENT].pk).update(is_demo=False)
    return users[Role.PATIENT], patient


def _sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/?next=/portal/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _portal_urls(page: Any, base: str) -> tuple[list[str], list[str]]:
    """Every /portal/ page (breadth first from /portal/) and file the patient's links reach."""
    pages: list[str] = []
    files: set[str] = set()
    queue, seen = deque(["/portal/"]), {"/portal/"}
    while queue and len(pages) < PAGES_AT_MOST:
        path = queue.popleft()
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        pages.append(path)
        for href in page.evaluate(LINKS):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base or not parts.path.startswith("/portal/"):
                continue
            if FILES.search(parts.path):
                files.add(parts.path)
            elif parts.path not in seen:
                seen.add(parts.path)
                queue.append(parts.path)
    return pages, sorted(files)


def _name(path: str) -> str:
    return UUID.sub("{hip}", path)


def test_every_portal_page_of_the_demo_patient_fits_and_passes_axe(live_server, browser, artefacts):
    user, patient = _demo_patient()
    base = live_server.url
    page = new_page(browser)
    _sign_in(page, base, user.username)
    pages, files = _portal_urls(page, base)
    names = {_name(p) for p in pages}
    hips = [str(e.public_id) for e in patient.episodes.all()]
    # Every kind of portal page is reached by a link, and each hip has its own page.
    for hip in hips:
        assert reverse("portal:hip", args=[hip]) in pages, pages
    for kind in ("letter", "plan", "questionnaires", "surveillance"):
        assert any(_name(reverse(f"portal:{kind}", args=[h])) in names for h in hips), (kind, pages)
    assert any(re.search(r"^/portal/questionnaires/[^/]+/[a-z0-9-]+/$", p) for p in pages), pages
    assert any(p.endswith(".pdf") for p in files), files
    problems: list[str] = []
    for number, path in enumerate(pages, start=1):
        page.goto(base + path)
        problems += fits_and_passes_axe(page, f"{number:02d} {_name(path)}", artefacts)
    assert not problems, f"{len(pages)} pages, {len(problems)} problems:\n" + "\n".join(problems)


def test_a_questionnaire_by_keyboard_alone(live_server, browser):
    user, patient = _demo_patient()
    base = live_server.url
    page = new_page(browser, width=390)
    _sign_in(page, base, user.username)
    hip = patient.episodes.order_by("pk").first()
    assert hip is not None
    page.goto(base + reverse("portal:questionnaire", args=[hip.public_id, "pain-nrs"]))
    form = "main form[data-testid=my-questionnaire-form]"
    names = page.eval_on_selector_all(
        f"{form} input[type=radio]", "(inputs) => [...new Set(inputs.map(i => i.name))]"
    )
    assert names, "the questionnaire has no questions to answer here"
    # Sent with nothing chosen: refused, the focus on the problems.
    first = send_by_keyboard(page, form, {})
    assert page.evaluate(FOCUSED_TESTID) == "form-errors"
    page.evaluate("() => document.activeElement.blur()")
    second = send_by_keyboard(page, form, dict.fromkeys(names, "3"))
    page.wait_for_url(f"**{reverse('portal:questionnaires', args=[hip.public_id])}")
    assert "Thank you" in page.locator("main").inner_text()
    assert hidden_stops(first + second) == []


def test_from_a_procedure_page_to_the_portal(live_server, browser, nurse):  # noqa: PLR0915
    base = live_server.url
    # A visitor reads about resurfacing, then asks for a consultation from its page.
    visitor = new_page(browser, width=390)
    visitor.goto(base + reverse("procedure", args=["bhr"]))
    assert "resurfacing" in visitor.locator("h1").inner_text().lower()
    assert "not medical advice" in visitor.locator("main").inner_text().lower()
    visitor.locator(f"main a[href$='{reverse('enquiries:request')}']").first.click()
    visitor.wait_for_url(f"**{reverse('enquiries:request')}")
    visitor.fill("#id_name", CONSULTATION["name"])
    visitor.select_option("#id_procedure", CONSULTATION["procedure"])
    visitor.check("#id_consent")
    visitor.click("main form button[type=submit]")  # the email is missing
    visitor.wait_for_load_state()
    assert error_beside(visitor, "email")
    visitor.fill("#id_email", CONSULTATION["email"])
    visitor.fill("#id_message", CONSULTATION["message"])
    with visitor.expect_navigation():
        visitor.click("main form button[type=submit]")
    assert visitor.url.endswith(reverse("enquiries:sent")), visitor.url

    # A nurse finds it in the triage queue and turns it into a patient with a referral.
    staff = new_page(browser)
    staff.goto(f"{base}/accounts/login/")
    staff.fill("#id_username", nurse.username)
    staff.fill("#id_password", PASSWORD)
    with staff.expect_navigation():
        staff.click("main button[type=submit]")
    staff.goto(base + reverse("enquiries:queue"))
    with staff.expect_navigation():
        staff.locator("main a", has_text=CONSULTATION["name"]).first.click()
    with staff.expect_navigation():
        staff.locator("[data-testid=convert]").click()
    assert staff.locator("[data-testid=no-candidates]").count() == 1  # no one by that name yet
    convert = staff.locator("main form:has(#id_date_of_birth)")
    convert.locator("input[name=patient][value=new]").check()
    convert.locator("#id_given_name").fill("Cleo")
    convert.locator("#id_family_name").fill("Hart")
    convert.locator("#id_date_of_birth").fill("1979-04-02")
    convert.locator("#id_sex").select_option("female")
    convert.locator("#id_side").select_option("left")
    convert.locator("#id_procedure").select_option("bhr")
    with staff.expect_navigation():
        convert.locator("button[type=submit]").click()
    patient = Patient.objects.get(email=CONSULTATION["email"])
    assert patient.episodes.filter(state="referred", procedure="bhr").count() == 1

    # The nurse invites her to the portal from her record.
    staff.goto(base + reverse("pathways:patient", args=[patient.public_id]))
    with staff.expect_navigation():
        staff.locator(
            f"main a[href$='{reverse('portal-invite', args=[patient.public_id])}']"
        ).first.click()
    before = len(mail.outbox)
    # The address came from the request: the nurse confirms it with the patient first (H80).
    staff.check("#id_address_checked")
    with staff.expect_navigation():
        staff.locator("[data-testid=invite-form] button[type=submit]").click()
    link = link_in_mail(before, base)

    # She opens the link, sets a password, and sees her own records.
    invited = new_page(browser, width=390)
    invited.goto(link)
    invited.fill("#id_username", "cleo.hart")
    invited.fill("#id_password", NEW_PASSWORD)
    invited.fill("#id_password_again", NEW_PASSWORD)
    with invited.expect_navigation():
        invited.click("main form button[type=submit]")
    assert urlsplit(invited.url).path == reverse("portal:home"), invited.url
    records = invited.locator("main").inner_text()
    assert "Cleo" in records
    assert "left hip" in records.lower()
    # The link is spent: opened again it no longer works.
    response = new_page(browser).goto(link)
    assert response is not None
    assert response.status in {404, 410}


def test_the_demo_patient_sees_a_plan_and_another_patient_reaches_none_of_it(
    live_server, browser, ada
):
    user, patient = _demo_patient()
    base = live_server.url
    page = new_page(browser, width=390)
    # Signed in with the keyboard alone: a wrong password first, refused with the focus on
    # the problem; then the right one.
    page.goto(f"{base}/accounts/login/?next=/portal/")
    form = "main form:has(#id_username)"
    wrong = send_by_keyboard(page, form, {"username": user.username, "password": "not-it"})
    assert page.evaluate(FOCUSED_TESTID) == "form-errors"
    page.evaluate("() => document.activeElement.blur()")
    right = send_by_keyboard(page, form, {"username": user.username, "password": PASSWORD})
    assert hidden_stops(wrong + right) == []
    assert urlsplit(page.url).path == reverse("portal:home")
    # Open a hip from the records page; its plan is offered there.
    planned = next(
        e for e in patient.episodes.all() if e.state in {"recovering", "follow-up", "operated"}
    )
    with page.expect_navigation():
        page.locator(f"main a[href$='{reverse('portal:hip', args=[planned.public_id])}']").click()
    with page.expect_navigation():
        page.locator(
            f"main a[href$='{reverse('portal:plan', args=[planned.public_id])}']"
        ).first.click()
    assert "plan" in page.locator("h1").inner_text().lower()
    assert page.locator("main table, main ol").count() > 0
    pages, files = _portal_urls(page, base)
    own = [p for p in pages + files if UUID.search(p)]
    assert len(own) >= 5, own

    # Ada, another patient, tries each of those addresses: none is hers to see.
    other = new_page(browser)
    _sign_in(other, base, ada.user.username)
    answers = {path: other.request.get(base + path, max_redirects=0).status for path in own}
    leaked = {path: status for path, status in answers.items() if status not in {403, 404}}
    assert not leaked, leaked
    assert patient.given_name not in other.locator("body").inner_text()
