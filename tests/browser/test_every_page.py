"""Every page each role reaches from its home, on a phone (390 px) and a laptop (1,366 px).

The demo's loader fills the database with one patient for each state of the journey (through
the services, as ``coxa demo`` does). A visitor (not signed in) starts at the public front
page /, each staff role at /staff/, the patient at /portal/, and each follows the site's own
links breadth first, one page for each URL pattern (ids replaced). A pattern is checked once,
by the first to reach it (the visitor, then the roles in the order of ``Role``: the surgeon
first, who reaches most), and a later role does not walk through pages
already checked; the surgeon also starts at the operation page of a scheduled hip (the note's
table of implants is the widest form). At most ``CAP`` pages in all. On each page, at both
sizes: nothing scrolls sideways (the page is no wider than the window) and axe-core finds no
WCAG 2.2 AA violation. Every failure is listed together, by role, URL pattern and size.

A screenshot of each page at each size is kept, under $COXA_BROWSER_ARTEFACTS when it is set,
else under var/test-artefacts/every-page (tests/browser/artefacts.py); the test prints where.
"""

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.conftest import sign_in
from coxa.core import clock
from coxa.core.audit import Via
from coxa.demo import loading, logins
from coxa.demo.domain import plan_patients
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.patients import services as patients
from coxa.patients.models import Patient
from tests.browser.artefacts import artefacts_root
from tests.browser.axe import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ({"width": 1366, "height": 768}, {"width": 390, "height": 844})
SLOW_MACHINE_MS = 90_000  # a page's time limit: the machine may be busy with other tests
CAP = 90  # pages in all: about two seconds each

HOMES = {Role.PATIENT: "/portal/"}
# Not pages: the API, files, sign-out, and the sign-in pages (the session is already made).
NOT_PAGES = re.compile(
    r"^/(api/|static/|media/|healthz|accounts/(login|logout))|\.(csv|pdf|ics|json|png|svg|zip)$"
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NUMBER = re.compile(r"(?<=/)\d+(?=/|$)")
USERNAME = re.compile(r"^/staff/users/(?!new/)[^/]+/")
TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_:-]{24,}(?=/|$)")
LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"
# What sticks out to the right of the window, outside a region that scrolls by itself.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.table-wrap *'))
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
            + ' in #' + ((e.closest('[id]') || {}).id || '?')
            + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)')
  .slice(0, 4)"""


def pattern(path: str) -> str:
    """The URL's pattern: its path with ids, numbers and tokens replaced."""
    path = UUID.sub("{id}", path)
    path = USERNAME.sub("/staff/users/{username}/", path)
    return TOKEN.sub("{token}", NUMBER.sub("{n}", path))


def _load_demo() -> dict[Role, Any]:
    users, _ = logins.ensure_users("not-used-here")
    today = clock.today()
    plans = plan_patients(len(EpisodeState), seed=2026, today=today)
    loading.load(plans, users, today, seed=2026)
    # The patient's account: a hip operated here and followed, so the portal has a plan.
    followed = Patient.objects.filter(
        episodes__state="follow-up", episodes__operation_note__signed_at__isnull=False
    ).first()
    assert followed is not None
    patients.link_account(
        patient=followed, user=users[Role.PATIENT], by=users[Role.ADMINISTRATOR], via=Via.CLI
    )
    # Demo accounts sign in only with COXA_DEBUG on; these stand for real staff here.
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(is_demo=False)
    return users


def _session(user: Any, base: str) -> list[dict[str, str]]:
    client = sign_in(Client(), user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base}]


def _same_site(href: str, base: str) -> str | None:
    """The path and query of a link to this site that leads to a page, else None."""
    parts = urlsplit(href)
    if f"{parts.scheme}://{parts.netloc}" != base or NOT_PAGES.search(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _check(page: Any, where: str, shot: Path) -> list[str]:
    """The page's problems at the window's size now, and its screenshot."""
    problems = []
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    window = page.evaluate("() => window.innerWidth")
    if wide > window:
        out = ", ".join(page.evaluate(STICKING_OUT))
        problems.append(f"{where}: scrolls sideways ({wide} px in {window}): {out}")
    problems += [f"{where}: axe {line}" for line in describe(violations(page))]
    page.screenshot(path=str(shot), full_page=True)
    return problems


@dataclass(frozen=True)
class Visitor:
    """Someone not signed in, reading the public site: walks as a role does, with no session."""

    label: str = "Visitor"
    value: str = "public"


@dataclass
class Walk:
    base: str  # the live server's address
    shots: Path  # where the screenshots go
    checked: set[str] = field(default_factory=set)  # the patterns checked
    problems: list[str] = field(default_factory=list)

    def check(self, page: Any, role: Role | Visitor, name: str) -> None:
        """Check the page at each size, keeping a screenshot of each."""
        self.checked.add(name)
        folder = self.shots / role.value
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
        for size in SIZES:
            page.set_viewport_size(size)
            where = f"{role.label} {name} at {size['width']} px"
            shot = folder / f"{len(self.checked):02d}-{slug}-{size['width']}.png"
            self.problems += _check(page, where, shot)
        page.set_viewport_size(SIZES[0])

    def visit(self, page: Any, role: Role | Visitor, url: str) -> bool:
        """Open the page; False when it is not a page (a file) or an error (a problem)."""
        try:
            response = page.goto(self.base + url)
        except PlaywrightError as error:  # a download starts instead of a page
            if "Download is starting" in str(error):
                return False
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return False
        if response.status >= 400:
            name = pattern(urlsplit(url).path)
            self.problems.append(f"{role.label} {name}: a link leads to an error {response.status}")
            return False
        return True

    def walk(self, browser: Any, role: Role | Visitor, user: Any, start: list[str]) -> None:
        """The role's pages breadth first from ``start`` (its home first)."""
        context = browser.new_context(viewport=SIZES[0])
        context.set_default_timeout(SLOW_MACHINE_MS)
        if user is not None:
            context.add_cookies(_session(user, self.base))
        page = context.new_page()
        queue, queued = deque(start), {pattern(u) for u in start}
        while queue and len(self.checked) < CAP:
            url = queue.popleft()
            name = pattern(urlsplit(url).path)
            is_home = url == start[0]
            if (name in self.checked and not is_home) or not self.visit(page, role, url):
                continue
            if name not in self.checked:
                self.check(page, role, name)
            for href in page.evaluate(LINKS):
                found = _same_site(href, self.base)
                if found is None:
                    continue
                found_name = pattern(urlsplit(found).path)
                if found_name not in self.checked and found_name not in queued:
                    queued.add(found_name)
                    queue.append(found)
        context.close()


def test_every_page_fits_a_phone_and_a_laptop_and_passes_axe(live_server, browser):
    users = _load_demo()
    shots = artefacts_root() / "every-page"
    print(f"\nScreenshots of every page: {shots}")  # noqa: T201
    scheduled = Episode.objects.filter(state="scheduled").first()
    assert scheduled is not None
    walk = Walk(base=live_server.url, shots=shots)
    walk.walk(browser, Visitor(), None, ["/"])
    by_role = {Visitor.label: len(walk.checked)}
    for role, user in users.items():
        start = [HOMES.get(role, "/staff/")]
        if role is Role.SURGEON:
            start.append(f"/staff/episodes/{scheduled.public_id}/operation/")
        before = len(walk.checked)
        walk.walk(browser, role, user, start)
        by_role[role.label] = len(walk.checked) - before
    print("Pages checked, by the first role to reach each:", by_role)  # noqa: T201
    assert by_role[Role.SURGEON.label] > 10, by_role  # the walk reached the workspace
    assert "/portal/" in walk.checked, by_role
    assert {"/", "/procedures/", "/procedures/bhr/", "/consultation/"} <= walk.checked, by_role
    assert not walk.problems, f"{len(walk.problems)} problems (screenshots in {shots}):\n" + (
        "\n".join(walk.problems)
    )
