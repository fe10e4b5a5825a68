"""The public site in a real browser (issue 17, "Quality"): every public page at a phone's
size (390 by 844) and a laptop's (1366 by 768) with no sideways scroll and no axe-core
violation (WCAG 2.2 AA), a screenshot of each kept (tests/browser/artefacts.py); and every
public form used with the keyboard alone: Tab to each field, type, Space and the arrow keys for
boxes and lists, Enter to send. No click anywhere in a keyboard test.

The helpers here (``fits_and_passes_axe``, ``send_by_keyboard``) serve the portal's tests too
(tests/browser/test_portal_journey.py).
"""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.portal import services as portal
from tests.browser.axe import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ({"width": 390, "height": 844}, {"width": 1366, "height": 768})
SLOW_MACHINE_MS = 90_000  # a page's time limit: two cores shared with other tests
WIDER_THAN_WINDOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
# What has the focus now: enough to find the field, tell a button, and see a hidden one.
FOCUSED = """(form) => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const type = (e.getAttribute('type') || e.type || '').toLowerCase();
  return {tag: e.tagName.toLowerCase(), type: type,
          name: e.name || '', id: e.id || '', value: e.value === undefined ? '' : String(e.value),
          checked: !!e.checked, testid: e.dataset ? (e.dataset.testid || '') : '',
          hidden: !!e.closest('[aria-hidden=true], [hidden]') || e.offsetParent === null,
          inForm: !!e.closest(form)};
}"""
FOCUSED_TESTID = "() => document.activeElement.dataset.testid || document.activeElement.id"
TABS = 160  # more Tab presses than any public or portal page has stops
CONSULTATION: dict[str, str | bool] = {
    "name": "Cleo Hart",
    "email": "cleo.hart@example.org",
    "procedure": "bhr",
    "phone": "07700 900123",
    "message": "My left hip aches on stairs. Could I talk to someone about resurfacing?",
    "consent": True,
}
NEW_PASSWORD = "violet-harbour-lantern-91"


# ---------------------------------------------------------------- checks shared with the portal
def fits_and_passes_axe(page: Any, name: str, folder: Path) -> list[str]:
    """The page's problems at each size (sideways scroll, axe), keeping a screenshot of each."""
    problems = []
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
    for size in SIZES:
        page.set_viewport_size(size)
        where = f"{name} at {size['width']} px"
        wider = page.evaluate(WIDER_THAN_WINDOW)
        if wider > 0:
            problems.append(f"{where}: scrolls sideways by {wider} px")
        problems += [f"{where}: axe {line}" for line in describe(violations(page))]
        page.screenshot(path=str(folder / f"{slug}-{size['width']}.png"), full_page=True)
    return problems


def _describe(stop: dict[str, Any]) -> str:
    return stop["name"] or stop["id"] or stop["testid"] or stop["tag"]


def _choose(page: Any, wanted: str) -> None:
    """Move a focused list or radio group to the wanted value with the arrow keys."""
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(30):
            if page.evaluate("() => document.activeElement.value") == wanted:
                return
            page.keyboard.press(key)
    raise AssertionError(f"the arrow keys never reached {wanted!r}")


def _enter(page: Any, stop: dict[str, Any], wanted: str | bool) -> None:
    """Give the focused field its value with the keyboard alone."""
    kind = stop["type"]
    if kind == "checkbox":
        if bool(wanted) != stop["checked"]:
            page.keyboard.press("Space")
    elif kind == "radio":
        _choose(page, str(wanted))
        if not page.evaluate("() => document.activeElement.checked"):
            page.keyboard.press("Space")
    elif stop["tag"] == "select":
        _choose(page, str(wanted))
    else:  # text, email, password, a text area: replace what is there
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.press("Delete")
        page.keyboard.type(str(wanted))


def _is_submit(stop: dict[str, Any]) -> bool:
    return (stop["tag"] == "button" and stop["type"] in {"submit", ""}) or (
        stop["tag"] == "input" and stop["type"] == "submit"
    )


def send_by_keyboard(page: Any, form: str, values: dict[str, str | bool]) -> list[dict[str, Any]]:
    """Fill the form (a CSS selector) and send it with Tab, typing, Space, arrows and Enter.

    Tabs from where the focus is until each named field has had its value, then on to the
    form's submit button and presses Enter. Returns every element the focus stopped on, so a
    test can say what never took it (a honeypot). Fails naming the fields Tab never reached.
    """
    todo = dict(values)
    stops: list[dict[str, Any]] = []
    for _ in range(TABS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED, form)
        if stop is None:
            continue
        stops.append(stop)
        if not stop["inForm"]:
            continue
        if stop["name"] in todo:
            _enter(page, stop, todo.pop(stop["name"]))
        elif _is_submit(stop) and not todo:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return stops
    raise AssertionError(
        f"Tab never reached {sorted(todo)} and the submit button in {form}; it stopped on "
        + ", ".join(_describe(s) for s in stops)
    )


def hidden_stops(stops: list[dict[str, Any]]) -> list[str]:
    """The elements hidden from people (aria-hidden, hidden, not drawn) that took the focus."""
    return [_describe(s) for s in stops if s["hidden"]]


def error_beside(page: Any, field: str) -> str:
    """The error shown beside the field (Django's field group: …_error, named by the input)."""
    box = page.locator(f"div.has-error:has(#id_{field})")
    assert box.count() == 1, f"no error box around #id_{field}"
    assert page.locator(f"#id_{field}").get_attribute("aria-invalid") == "true"
    assert f"id_{field}_error" in (
        page.locator(f"#id_{field}").get_attribute("aria-describedby") or ""
    )
    return str(box.locator(f"#id_{field}_error").inner_text())


def new_page(browser: Any, width: int = 1366) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(SLOW_MACHINE_MS)
    return context.new_page()


def invitation_link(patient: Any, by: Any, base: str) -> str:
    """An invitation to the portal issued through the service; the link read from its email
    (the live server runs in this process, so the test's locmem outbox holds what it sends)."""
    patient.email = patient.email or "bert.okafor@example.org"
    patient.save(update_fields=["email"])
    before = len(mail.outbox)
    issued = portal.invite(
        patient=patient,
        by=by,
        via=Via.WEB,
        url_for=lambda token: base + reverse("portal:accept", args=[token]),
    )
    assert portal.send_invitation(issued)  # sent once the invitation is stored, as the page does
    return link_in_mail(before, base)


def link_in_mail(before: int, base: str) -> str:
    """The portal invitation link in the one email sent since ``before``, on the live server
    (the path from the email: its host is whatever the sender was told)."""
    sent = mail.outbox[before:]
    assert len(sent) == 1, [m.subject for m in sent]
    found = re.search(r"/portal/welcome/[^/\s]+/", sent[0].body)
    assert found, sent[0].body
    return base + found.group(0)


# ---------------------------------------------------------------- the public pages
def test_every_public_page_fits_a_phone_and_a_laptop_and_passes_axe(
    live_server, browser, artefacts, nurse, bert
):
    base = live_server.url
    page = new_page(browser)
    problems: list[str] = []

    def visit(path: str, name: str, status: int = 200) -> None:
        response = page.goto(base + path)
        assert response is not None
        if response.status != status:
            problems.append(f"{name}: {path} answered {response.status}, not {status}")
        problems.extend(fits_and_passes_axe(page, name, artefacts))

    visit(reverse("home"), "home")
    visit(reverse("procedures"), "procedures")
    codes = sorted(get_catalogue().procedures)
    assert {"bhr", "core-decompression", "total-hip-replacement"} <= set(codes)
    for code in codes:
        visit(reverse("procedure", args=[code]), f"procedure {code}")
    visit(reverse("enquiries:request"), "consultation")
    # A failed submit: the page with its errors beside the fields.
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    problems.extend(fits_and_passes_axe(page, "consultation with errors", artefacts))
    for field, value in CONSULTATION.items():
        target = page.locator(f"#id_{field}")
        if isinstance(value, bool):
            target.check()
        elif field == "procedure":
            target.select_option(value)
        else:
            target.fill(value)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{reverse('enquiries:sent')}")
    problems.extend(fits_and_passes_axe(page, "consultation sent", artefacts))
    # An invitation's page, and the page a link that no longer works gives.
    link = invitation_link(bert, nurse, base)
    response = page.goto(link)
    assert response is not None
    assert response.status == 200, link
    problems.extend(fits_and_passes_axe(page, "invitation", artefacts))
    response = page.goto(base + "/portal/welcome/" + "x" * 43 + "/")
    assert response is not None
    assert response.status in {404, 410}
    problems.extend(fits_and_passes_axe(page, "closed link", artefacts))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the public forms by keyboard
def test_a_consultation_request_by_keyboard_alone(live_server, browser):
    page = new_page(browser, width=390)
    page.goto(live_server.url + reverse("enquiries:request"))
    form = "main form:has(#id_email)"
    missing = {k: v for k, v in CONSULTATION.items() if k != "email"}
    first = send_by_keyboard(page, form, missing)
    # Refused: the focus on the problems, the error beside the empty field, nothing lost.
    assert page.evaluate(FOCUSED_TESTID) == "form-errors"
    assert error_beside(page, "email")
    assert page.locator("#id_name").input_value() == CONSULTATION["name"]
    page.evaluate("() => document.activeElement.blur()")  # Tab again from the top
    second = send_by_keyboard(page, form, CONSULTATION)
    assert page.url.endswith(reverse("enquiries:sent")), page.url
    assert "sent" in page.locator("h1").inner_text().lower() or "thank" in (
        page.locator("main").inner_text().lower()
    )
    # The honeypot never took the focus, and every field named did.
    assert hidden_stops(first + second) == []
    reached = {s["name"] for s in first + second if s["inForm"]}
    assert set(CONSULTATION) <= reached
    assert "website" not in reached  # the honeypot (enquiries.forms.TRAP)
    assert len(mail.outbox) == 1  # the confirmation: the request was not taken for a robot
    assert mail.outbox[0].to == [CONSULTATION["email"]]


def test_an_invitation_is_accepted_by_keyboard_alone(live_server, browser, nurse, bert):
    link = invitation_link(bert, nurse, live_server.url)
    page = new_page(browser, width=390)
    page.goto(link)
    form = "main form[data-testid=accept-form]"
    # Too short a password first: refused beside the field, the focus on the problems.
    weak = {"username": "bert.okafor", "password": "short", "password_again": "short"}
    first = send_by_keyboard(page, form, weak)
    assert page.evaluate(FOCUSED_TESTID) == "form-errors"
    assert error_beside(page, "password")
    page.evaluate("() => document.activeElement.blur()")
    strong = weak | {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    second = send_by_keyboard(page, form, strong)
    page.wait_for_url(f"**{reverse('portal:home')}")
    assert "Bert" in page.locator("main").inner_text()
    assert hidden_stops(first + second) == []
