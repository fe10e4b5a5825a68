"""Every page costs the same number of queries however much the service holds (issue 20).

The demo is loaded with a few patients; each demo login walks the site from its home page
(``tests/words/crawl.Walk``: every same-site link, once per URL pattern and query shape, and
a hip's pages once per state of its episode). Each page the walks reached is then read again
and its queries counted; the demo grows to three times as many patients, hips and records,
and each page is counted again. A page that asks one query a row, or reads a list whose
length grows with the service, asks more the second time, and fails here.

Each count is the page's second read with the cache emptied before each read: the first read
may start work a later read only looks up (the analytics page's background job), and the
cached counts of the home page are computed on every read here, not looked up. A list whose
first page fills up asks for its (capped) count once more (``core.worklists.page_of``): one
more query a list is allowed for that (the home page shows several), never more.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.conftest import sign_in
from coxa.core import clock
from coxa.demo import loading, logins, services
from coxa.demo.domain import plan_patients
from coxa.pathways.models import Episode
from tests.words import crawl

pytestmark = pytest.mark.django_db

Counts = dict[tuple[str, str], tuple[int, int]]  # (login, page): (queries, lists shown)

FEW, MANY = 13, 39  # patients before and after: every state of a hip at first, then three times
SEED = 2026


# A hip's pages whose reads change most with the episode's state: read once for each state.
# Its other pages are read once each (their reads are the same in every state).
BY_STATE = frozenset(
    {
        "staff/episodes/<uuid:episode_id>/",
        "staff/episodes/<uuid:episode_id>/clinic/",
        "staff/episodes/<uuid:episode_id>/operation/",
    }
)


def _variety(route: str, kwargs: dict[str, Any]) -> str:
    episode = kwargs.get("episode_id")
    if episode is None or route not in BY_STATE:
        return ""
    return Episode.objects.filter(public_id=episode).values_list("state", flat=True).first() or ""


def _count(client: Client, url: str) -> tuple[int, int]:
    """The page's queries on its second read, and how many paged lists it shows."""
    cache.clear()
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code < 500, f"{url}: {response.status_code}"
    # The home page's groups are lists of their own, each counted once it fills its page.
    lists = max(1, response.content.count(b'data-testid="home-'))
    return len(captured), lists


@pytest.fixture(scope="module")
def counts(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[tuple[Counts, Counts]]:
    """Each (login, page)'s queries with FEW patients, and with MANY."""
    extracts = Path(tmp_path_factory.mktemp("extracts"))
    with (
        override_settings(DEBUG=True, ANALYTICS_EXTRACTS_DIR=extracts),
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            users, _ = logins.ensure_users("a-long-demo-password")
            today = clock.today()
            loading.load(plan_patients(FEW, seed=SEED, today=today), users, today, seed=SEED)
            services.link_patient_account(users[Role.PATIENT], users[Role.ADMINISTRATOR])
            captured: list[str] = []
            crawl.capture_pdf_html(patch, captured)
            clients: dict[str, Client] = {}
            pages: list[tuple[str, str]] = []
            covered: set[tuple[str, ...]] = set()
            for username, (role, _, _) in logins.DEMO_USERS.items():
                client = sign_in(Client(raise_request_exception=False), _user(username))
                home = "/portal/" if role is Role.PATIENT else "/staff/"
                walk = crawl.Walk(client, [home], _variety, covered)
                walk.run(captured)
                clients[username] = client
                pages += [(username, p.url) for p in walk.pages if p.kind == "html"]
            before = {(u, url): _count(clients[u], url) for u, url in pages}
            loading.load(plan_patients(MANY, seed=SEED, today=today), users, today, seed=SEED)
            after = {(u, url): _count(clients[u], url) for u, url in pages}
            yield before, after
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_no_page_asks_more_queries_as_the_service_grows(
    counts: tuple[Counts, Counts],
) -> None:
    before, after = counts
    grew = [
        f"{username} {crawl.shown(url)}: {before[username, url][0]} -> {after[username, url][0]}"
        for username, url in before
        if after[username, url][0] > before[username, url][0] + after[username, url][1]
    ]
    assert grew == [], "pages whose queries grew with the data:\n  " + "\n  ".join(grew)


def test_the_walks_count_every_kind_of_page(
    counts: tuple[Counts, Counts],
) -> None:
    """Wide enough to mean something: staff pages, worklists, hip pages, the portal."""
    before, _ = counts
    urls = {url for _, url in before}
    for part in ("/staff/worklists/", "/staff/episodes/", "/staff/patients/", "/portal/"):
        assert any(part in url for url in urls), part
    print(f"pages counted: {len(before)}")  # noqa: T201
    assert len(before) > 100, len(before)
