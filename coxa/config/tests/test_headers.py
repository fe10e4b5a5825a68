"""Security headers on pages, the API, static files and the health check (ADR 0012).

The no-store walk visits every URL pattern Coxa has, so a new page is covered the day it
is added; only the public home page (to someone not signed in) and static files may be
cached.
"""

import re
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters

from coxa.core.audit import Via
from coxa.pathways import services as pathways

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: set(values) for name, *values in directives}


def assert_private(response, where: str) -> None:
    assert response.get("Cache-Control") == "no-store", where
    assert response.get("Pragma") == "no-cache", where
    assert not response.has_header("Expires"), where


# ---------------------------------------------------------------- every URL pattern
_SAMPLE = {"uuid": None, "str": "x", "int": "1", "slug": "x", "path": "x"}
_NAMES = {type(converter): name for name, converter in get_converters().items()}


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, dict[str, str]]]:
    """Each pattern as a route with its parameters' converters, e.g. ("a/<x>/", {"x": "uuid"})."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        converters = {
            name: _NAMES.get(type(conv), type(conv).__name__)
            for name, conv in pattern.pattern.converters.items()
        }
        if isinstance(pattern, URLResolver):
            for inner, inner_converters in _routes(pattern.url_patterns, route):
                yield inner, converters | inner_converters
        else:
            yield route, converters


def all_routes() -> list[tuple[str, dict[str, str]]]:
    return list(_routes(get_resolver().url_patterns))


def concrete(route: str, converters: dict[str, str], ids: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        kind = converters.get(name, "str")
        assert kind in _SAMPLE, f"{route}: no sample for a <{kind}:...> parameter"
        return ids.get(name) or _SAMPLE[kind] or str(uuid.uuid4())

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    assert not path.startswith("^"), f"{route}: a regex route; give the walk a sample"
    return "/" + path


@pytest.fixture
def ids(surgeon, bert, ada):
    episode = pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB
    )
    return {"patient_id": str(bert.public_id), "episode_id": str(episode.public_id)}


def test_the_walk_reaches_every_kind_of_page():
    routes = [route for route, _ in all_routes()]
    for expected in ("staff/", "portal/", "api/v1/", "cds-services", "healthz", "metrics"):
        assert any(route.startswith(expected) for route in routes), expected
    assert len(routes) > 60


def test_every_url_is_no_store_but_the_public_home_and_no_page_has_inline_code(
    web_as, surgeon, ada_user, ids
):
    clients = {"anonymous": Client(), "surgeon": web_as(surgeon), "patient": web_as(ada_user)}
    pages = 0
    for route, converters in all_routes():
        url = concrete(route, converters, ids)
        for who, client in clients.items():
            response = client.get(url)
            where = f"{who} GET {url} ({response.status_code})"
            if url == "/" and who == "anonymous":
                assert "no-store" not in response.get("Cache-Control", ""), where
            else:
                assert_private(response, where)
            if response.status_code == 200 and is_page(response):
                assert inline_code(response.content.decode()) == [], where
                pages += 1
    assert pages > 20  # real pages with patient data, not only refusals


def is_page(response) -> bool:
    """HTML shown in the browser; a download (the analytics report) is a file of its own."""
    return response["Content-Type"].startswith("text/html") and not response.get(
        "Content-Disposition", ""
    ).startswith("attachment")


# What the strict policy blocks, as it would appear in a page. A JSON data block (Swagger
# UI's settings) is never run, so the policy has nothing to say about it.
INLINE = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
    r"|<style\b|<[^>]*\s(?:style|on[a-z]+)\s*=|javascript:",
    re.I,
)


def inline_code(html: str) -> list[str]:
    return INLINE.findall(html)


def test_inline_code_would_be_found():
    for html in (
        "<script>alert(1)</script>",
        '<p style="color:red">',
        "<style>p{}</style>",
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        '<svg><path style="fill: #fff"/></svg>',
    ):
        assert inline_code(html), html
    assert inline_code('<script src="/static/x.js"></script><p class="styled">on=1</p>') == []
    assert inline_code('<script type="application/json" id="s">{"a": 1}</script>') == []
    assert inline_code('<script type="text/javascript">go()</script>')


def test_refusals_errors_and_posts_are_no_store_too(web_as, surgeon, analyst, ids):
    for response in (
        web_as(analyst).get(f"/staff/patients/{ids['patient_id']}/"),  # 403
        web_as(surgeon).get(f"/staff/patients/{uuid.uuid4()}/"),  # 404
        web_as(surgeon).post("/staff/patients/", {"q": "okafor"}),  # 302
        Client().get("/api/v1/patients?q=okafor"),  # 401
        Client().get("/no/such/page/"),
    ):
        assert_private(response, response.status_code)


def test_letters_pdfs_and_calendars_are_no_store(web_as, surgeon, ids):
    episode = ids["episode_id"]
    for url in (
        f"/staff/episodes/{episode}/letter/",
        f"/staff/episodes/{episode}/letter.pdf",
        f"/staff/episodes/{episode}/recovery-plan.pdf",
        f"/staff/episodes/{episode}/recovery-plan.ics",
        "/staff/worklists/pre-assessment.csv",
    ):
        assert_private(web_as(surgeon).get(url), url)


def test_the_home_page_is_no_store_once_signed_in(web_as, surgeon):
    assert "no-store" not in Client().get("/").get("Cache-Control", "")
    assert_private(web_as(surgeon).get("/"), "signed-in home")


# ---------------------------------------------------------------- CSP and friends
@pytest.mark.parametrize(
    "url",
    ["/", "/accounts/login/", "/staff/", "/portal/", "/api/v1/patients?q=x", "/api/v1/docs"],
)
def test_every_answer_carries_the_strict_policy(web_as, surgeon, url):
    response = web_as(surgeon).get(url)
    assert policy(response) == STRICT
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_policy_allows_no_inline_code_at_all(client):
    header = client.get("/")["Content-Security-Policy"]
    for loophole in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "nonce-", "sha256-", "*"):
        assert loophole not in header


def test_the_api_answers_carry_the_headers(api_as, nurse, bert):
    api = api_as(nurse)
    for response in (
        api.get("/api/v1/patients?q=okafor"),
        api.post("/api/v1/patients/search", {"q": "okafor"}, content_type="application/json"),
        api.get(f"/api/v1/patients/{bert.public_id}"),
        api.get(f"/api/v1/patients/{uuid.uuid4()}"),
    ):
        assert_private(response, response.status_code)
        assert policy(response) == STRICT
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_health_check_carries_the_headers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert_private(response, "/healthz")
    assert policy(response) == STRICT
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_static_files_keep_their_caching():
    with override_settings(WHITENOISE_USE_FINDERS=True):
        response = Client().get("/static/coxa/coxa.css")
        content = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert b".card" in content
    assert "max-age" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    assert not response.has_header("Pragma")
    assert policy(response) == STRICT
