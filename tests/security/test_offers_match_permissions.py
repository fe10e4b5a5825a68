"""Only what you may do: no staff page offers a role a form or a link the table refuses it.

Every staff role signs in and opens every staff page of a hip in each state that has forms
(the episode, the pre-assessment clinic, the operation and consent, questionnaires,
complications, reviews, conversion, surveillance, the decision and the letter, the patient's
chart and form, the worklists and the staff home). Each ``<form method="post">`` is resolved
to its view and judged by the operation the view binds for a submission (``post``, when
given); each link and GET form by the operation that reads it. An offer the permission
table (``permissions.TABLE``) would refuse the role is listed as (role, page, action), and
any listed fails the test.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import Resolver404, resolve

from coxa.accounts.access import operation_of, who_may
from coxa.accounts.context import Allowed, UnknownOperation
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.permissions import TABLE, Op
from coxa.conftest import details, make_user, sign_in
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.domain.reviews import FollowUpReviewIn
from coxa.outcomes.services import complications, responses, reviews
from coxa.outcomes.services.endpoints import record_conversion
from coxa.patients import services as patients
from coxa.surgery.models import Addendum
from coxa.surveillance.domain.inputs import MetalIonsIn
from coxa.surveillance.services import enrolment, records
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db

STAFF_ROLES = [r for r in Role if r not in {Role.PATIENT, Role.SYSTEM}]  # a system sees no page
STATES = ("referred", "listed", "ready", "scheduled", "operated", "recovering", "follow-up")

# The pages of a hip that hold forms, or links to other tasks, by the states that show them.
BEFORE = ("", "clinic/", "decision/", "letter/", "operation/", "operation/consent/")
AFTER = (
    "",
    "operation/",
    "operation/discharge/",
    "recovery-plan/adjust/",
    "recovery-plan/review/",
    "questionnaires/",
    "complications/",
    "reviews/",
    "conversion/",
    "surveillance/",
)
RECORDS = (  # of the hip with a record of each kind
    "questionnaires/pain-nrs/",
    "surveillance/results/",
    "surveillance/imaging/",
    "surveillance/reviews/",
    "surveillance/letter/",
)
HIP_PAGES: dict[str, tuple[str, ...]] = {
    "referred": BEFORE,
    "listed": BEFORE,
    "ready": (*BEFORE, "operation/schedule/"),
    "scheduled": (*BEFORE, "operation/schedule/", "operation/note/"),
    "operated": AFTER,
    "recovering": AFTER,
    "follow-up": AFTER + RECORDS,
    "converted": AFTER,
}
PATIENT_PAGES = ("", "edit/", "death/", "episodes/new/", "surveillance/enrol/")
LISTS = (
    "/staff/",
    "/staff/patients/",
    "/staff/patients/new/",
    "/staff/episodes/",
    "/staff/worklists/pre-assessment/",
    "/staff/worklists/theatre-and-recovery/",
    "/staff/worklists/follow-up/",
    "/staff/worklists/surveillance/",
    "/staff/surveillance/recall/",
)


@dataclass(frozen=True)
class Offer:
    method: str  # "POST" for a form that submits, "GET" for a link or a search form
    url: str


class _Offers(HTMLParser):
    """Every ``<form>`` and ``<a href>`` of a page, as the browser would send them."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.offers: list[Offer] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = "POST" if at.get("method", "get").lower() == "post" else "GET"
            self.offers.append(Offer(method, urljoin(self.base, at.get("action") or self.base)))
        elif tag == "a" and at.get("href", "").strip():
            self.offers.append(Offer("GET", urljoin(self.base, at["href"])))
        if tag in {"button", "input"} and at.get("formaction"):
            self.offers.append(Offer("POST", urljoin(self.base, at["formaction"])))


def offers_on(html: str, base: str) -> list[Offer]:
    parser = _Offers(base)
    parser.feed(html)
    return parser.offers


def operation_for(offer: Offer) -> tuple[Op, str] | None:
    """The operation an offer calls and its route's name; None when Coxa does not serve it."""
    parts = urlsplit(offer.url)
    if parts.netloc or not parts.path.startswith("/"):
        return None  # another site (a guideline, a licence)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    ops = operation_of(match.func)
    if not ops:
        return None
    post = offer.method == "POST" and len(ops) > 1
    return (ops[1] if post else ops[0]), match.view_name


def refused_offers(
    client: Client, role: Role, url: str, seen: set[tuple[Role, str, str]]
) -> tuple[int, list[str]]:
    """The page's status and each offer on it the table refuses the role (``seen``: all)."""
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return response.status_code, []
    page = resolve(urlsplit(url).path).view_name
    found = []
    for offer in offers_on(response.content.decode(), url):
        bound = operation_for(offer)
        if bound is None:
            continue
        op, name = bound
        seen.add((role, offer.method, name))
        if not TABLE[op].admits(role.value):
            found.append(f"{role.label}: {page} ({url}) offers {offer.method} {name} ({op})")
    return 200, found


@pytest.fixture
def hips(surgeon: User) -> dict[str, Any]:
    """A resurfacing in each state with forms, each of its own patient, with records after."""
    today = clock.today()
    listed_on = today - dt.timedelta(days=120)
    operated_on = listed_on + dt.timedelta(days=21)
    found: dict[str, Any] = {}
    for n, state in enumerate(STATES):
        patient = patients.register_patient(
            details=details(nhs_number="", hospital_number=f"H9000{n}", family_name=f"Hip{n}"),
            by=surgeon,
            via=Via.WEB,
        )
        found[state] = walk_to(
            state, patient=patient, by=surgeon, listed_on=listed_on, operated_on=operated_on
        )
    hip = found["follow-up"]
    later = operated_on + dt.timedelta(days=50)
    with at_time(later):
        complications.record_complication(
            episode=hip, type="nerve-injury", found_on=later, clavien_dindo="I",
            outcome="recovering", by=surgeon, via=Via.WEB,
        )  # fmt: skip
        reviews.record_review(
            episode=hip, entry=FollowUpReviewIn(seen_on=later, pain=2), by=surgeon, via=Via.WEB
        )
        responses.record_response(
            episode=hip, instrument="pain-nrs", answers={"pain": 3}, completed_on=later,
            by=surgeon, via=Via.WEB,
        )  # fmt: skip
        enrolment.enrol_episode(episode=hip, by=surgeon, via=Via.WEB)
        records.record_metal_ions(
            episode=hip,
            entry=MetalIonsIn.model_validate(
                {
                    "sampled_on": later,
                    "matrix": "whole-blood",
                    "laboratory": "Lab",
                    "cobalt": {"value": 1.0, "unit": "ug/L"},
                    "chromium": {"value": 1.0, "unit": "ug/L"},
                }
            ),
            by=surgeon,
            via=Via.WEB,
        )
    converted = found["recovering"]
    with at_time(operated_on + dt.timedelta(days=60)):
        record_conversion(
            episode=converted, on=operated_on + dt.timedelta(days=60), reason="pain",
            procedure="total-hip-replacement", by=surgeon, via=Via.WEB,
        )  # fmt: skip
    converted.refresh_from_db()
    found["converted"] = converted
    return found


def staff_pages(hips: dict[str, Any]) -> Iterator[str]:
    yield from LISTS
    for state, hip in hips.items():
        for page in HIP_PAGES[state]:
            yield f"/staff/episodes/{hip.public_id}/{page}"
    for state in ("referred", "follow-up"):  # a patient's pages differ little by state
        for page in PATIENT_PAGES:
            yield f"/staff/patients/{hips[state].patient.public_id}/{page}"


def _users(surgeon: User) -> dict[Role, User]:
    users = {Role.SURGEON: surgeon}
    for role in STAFF_ROLES:
        users.setdefault(role, make_user(f"offer-{role.value}", role))
    return users


def _scan(
    surgeon: User, hips: dict[str, Any], seen: set[tuple[Role, str, str]]
) -> tuple[list[str], int]:
    refused: list[str] = []
    opened = 0
    pages = list(dict.fromkeys(staff_pages(hips)))
    for role, user in _users(surgeon).items():
        client = sign_in(Client(), user)
        for url in LISTS if role is Role.ANALYST else pages:  # refused every clinical page
            status, found = refused_offers(client, role, url, seen)
            opened += status == 200
            refused.extend(found)
    return refused, opened


def test_no_staff_page_offers_a_role_what_the_table_refuses_it(surgeon, hips):
    seen: set[tuple[Role, str, str]] = set()
    refused, opened = _scan(surgeon, hips, seen)
    assert opened > 200  # the pages were read, not refused or missing
    # The scan reads the forms each role may use (it would find the ones it may not).
    assert {
        (Role.SURGEON, "POST", "surgery:addendum"),
        (Role.SURGEON, "POST", "pathways:episode"),
        (Role.NURSE, "POST", "outcomes:complications"),
        (Role.PHYSIOTHERAPIST, "POST", "surgery:review"),
        (Role.PHYSIOTHERAPIST, "POST", "outcomes:reviews"),
        (Role.ADMINISTRATOR, "GET", "patients:edit"),
    } <= seen
    assert not refused, "\n".join(refused)


def test_the_scan_finds_an_offer_a_role_may_not_take():
    html = (
        '<form method="post" action="/staff/episodes/00000000-0000-4000-8000-000000000001/'
        'operation/addendum/"></form><a href="/staff/users/">Users</a>'
        '<a href="https://www.nice.org.uk/">NICE</a><form method="get" action="/staff/patients/">'
    )
    offers = offers_on(html, "/staff/")
    judged = {offer: bound[0] for offer in offers if (bound := operation_for(offer)) is not None}
    assert list(judged.values()) == [Op.PAGE_NOTE, Op.PAGE_USERS, Op.PAGE_PATIENT_SEARCH]
    assert not TABLE[Op.PAGE_NOTE].admits(Role.PHYSIOTHERAPIST.value)
    assert TABLE[Op.PAGE_PATIENT_SEARCH].admits(Role.PHYSIOTHERAPIST.value)


# --- a refused submission keeps what was typed and says why ---------------------------------


@pytest.fixture
def operated(surgeon: User, bert: Any) -> Any:
    listed_on = clock.today() - dt.timedelta(days=90)
    return walk_to("operated", patient=bert, by=surgeon, listed_on=listed_on)


def test_a_physiotherapist_is_not_offered_the_addendum_and_a_forced_one_keeps_the_text(
    physio, operated
):
    client = sign_in(Client(), physio)
    page = f"/staff/episodes/{operated.public_id}/operation/"
    html = client.get(page).content.decode()
    assert "operation/addendum/" not in html
    assert "Add addendum" not in html
    typed = "Drain removed on the ward; <wound> dry & clean"
    response = client.post(
        page + "addendum/",
        {
            "text": typed,
            "csrfmiddlewaretoken": "a-secret",
            "submission_key": "k-123",
            "draft": "0f" * 32,  # a hash the page sent, never typed
        },
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response.status_code == 403
    assert "403.html" in {t.name for t in response.templates}
    body = response.content.decode()
    assert 'class="top"' in body  # the site's header and navigation stay
    assert (
        "Your role, Physiotherapist, may not add an addendum to an operation note. "
        "A surgeon can." in body
    )
    assert "Drain removed on the ward; &lt;wound&gt; dry &amp; clean" in body  # escaped
    assert "<dt>Text</dt>" in body  # the field's name in words (the form never ran)
    assert "a-secret" not in body
    assert "k-123" not in body
    assert "0f0f0f" not in body
    assert f'href="{page}"' in body  # back to the page the form was on
    assert "page.operation-note" not in body  # words, not the operation's code
    assert not Addendum.objects.exists()  # nothing was stored


def test_a_refusal_by_the_service_names_the_field_by_its_label(surgeon, physio, operated):
    later = operated.operation_on + dt.timedelta(days=42)
    with at_time(later):
        review = reviews.record_review(
            episode=operated,
            entry=FollowUpReviewIn(
                seen_on=later, pain=2, plan="refer-revision", plan_words="Discuss at the meeting"
            ),
            by=surgeon,
            via=Via.WEB,
        )
    client = sign_in(Client(), physio)
    url = f"/staff/episodes/{operated.public_id}/reviews/{review.public_id}/strike-out/"
    response = client.post(url, {"reason": "Entered against the wrong hip by mistake"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your role, Physiotherapist, may not strike out a follow-up review as submitted" in body
    assert "a surgeon or nurse strikes it out" in body
    assert "<dt>Why strike out this review</dt>" in body  # the form's own label
    assert "Entered against the wrong hip by mistake" in body
    assert f'href="{url}"' in body  # no page it came from: back to where it was sent


def test_who_may_is_read_from_the_table():
    assert who_may(Op.PAGE_NOTE) == "A surgeon can."
    assert who_may(Op.PAGE_CONVERSION) == "A surgeon or a pre-assessment nurse can."
    assert who_may(Op.PAGE_COMPLICATION_RECORD) == (
        "A surgeon, a pre-assessment nurse or an anaesthetist can."
    )
    assert who_may(Op.PAGE_PORTAL_OWN) == "A patient (for their own records) can."


def test_a_refused_page_is_still_403_in_the_layout_and_passwords_are_never_shown(physio, admin):
    client = sign_in(Client(), physio)
    opened = client.get("/staff/users/new/")
    assert opened.status_code == 403
    assert 'class="top"' in opened.content.decode()
    assert "may not open this page" in opened.content.decode()
    posted = client.post(
        "/staff/users/new/",
        {"username": "eve", "password1": "hunter2-long", "role": "surgeon", "otp": "123456"},
    )
    assert posted.status_code == 403
    body = posted.content.decode()
    assert "Your role, Physiotherapist, may not add a user. An administrator can." in body
    assert "hunter2-long" not in body
    assert "123456" not in body
    assert "<dt>Username</dt><dd>eve</dd>" in body


def test_a_patient_posting_to_another_patients_record_is_still_answered_404(
    ada_user, bert, surgeon
):
    other = walk_to(
        "follow-up", patient=bert, by=surgeon, listed_on=clock.today() - dt.timedelta(days=120)
    )
    client = sign_in(Client(), ada_user)
    response = client.post(f"/portal/questionnaires/{other.public_id}/pain-nrs/", {"pain": "3"})
    assert response.status_code == 404  # as a record that does not exist, never the 403 page
    assert "404.html" in {t.name for t in response.templates}


def test_templates_ask_the_table_by_operation_and_a_misspelt_one_is_an_error():
    offer = Template("{% if allowed.PAGE_NOTE %}Add addendum{% endif %}")
    assert offer.render(Context({"allowed": Allowed(Role.SURGEON.value)})) == "Add addendum"
    assert offer.render(Context({"allowed": Allowed(Role.PHYSIOTHERAPIST.value)})) == ""
    assert offer.render(Context({"allowed": Allowed(None)})) == ""
    with pytest.raises(UnknownOperation):
        Template("{% if allowed.PAGE_NOTES %}x{% endif %}").render(
            Context({"allowed": Allowed(Role.SURGEON.value)})
        )
