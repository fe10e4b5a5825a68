"""The episode page shows the hip's steps from its records, with links each role may use."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db


def steps_html(client, episode) -> str:
    page = client.get(reverse("pathways:episode", args=[episode.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    found = re.search(r'<section class="card steps".*?</section>', html, re.S)
    assert found, "the episode page shows its steps"
    return found.group(0)


def test_a_listed_hip_shows_what_readiness_misses_and_the_clinic_link(web_as, nurse, bert):
    episode = list_episode(bert, nurse)
    html = steps_html(web_as(nurse), episode)
    assert "Next: <strong>Ready for surgery</strong>, once these are done:" in html
    assert re.search(r'data-step-status="blocked">\s*<span class="step-status">Blocked', html)
    assert "<li>The readiness check has not run: nothing is recorded for it yet.</li>" in html
    clinic = reverse("assessment:clinic", args=[episode.public_id])
    assert f'href="{clinic}">Open the pre-assessment clinic</a>' in html


def test_a_role_that_may_only_read_gets_a_view_link_and_no_action_wording(
    web_as, nurse, physio, bert
):
    episode = list_episode(bert, nurse)
    html = steps_html(web_as(physio), episode)
    assert "Open the pre-assessment clinic" not in html
    clinic = reverse("assessment:clinic", args=[episode.public_id])
    assert f'href="{clinic}">View</a>' in html or clinic not in html


def test_a_signed_and_discharged_hip_shows_its_dates_in_words(web_as, surgeon, bert):
    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=dt.date(2026, 10, 5),
        operated_on=dt.date(2026, 10, 26),
    )
    html = steps_html(web_as(surgeon), episode)
    assert "Operation note signed on 26 October 2026" in html
    assert "Discharged on 27 October 2026." in html
    assert "Booked for 26 October 2026" in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r'href="[^"]*"', "", html))


def test_the_steps_cost_a_fixed_number_of_queries(
    web_as, surgeon, bert, django_assert_max_num_queries
):
    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=dt.date(2026, 10, 5),
        operated_on=dt.date(2026, 10, 26),
    )
    client = web_as(surgeon)
    url = reverse("pathways:episode", args=[episode.public_id])
    client.get(url)
    with django_assert_max_num_queries(40):
        client.get(url)


def test_the_episode_page_reads_the_hips_readiness_once(
    web_as, nurse, bert, django_assert_max_num_queries
):
    """The banner, the steps and the page's own summary all show the stored readiness: one
    read of its row serves the three (``assessment.selectors.readiness_of``)."""
    from coxa.assessment.services.readiness import refresh
    from coxa.core.audit import Via

    episode = list_episode(bert, nurse)
    refresh(episode, by=None, via=Via.CLI)
    client = web_as(nurse)
    url = reverse("pathways:episode", args=[episode.public_id])
    client.get(url)
    with django_assert_max_num_queries(25) as captured:
        page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="candidacy"' in page.content.decode()  # the summary shows it
    reads = [
        q["sql"] for q in captured.captured_queries if 'FROM "assessment_readiness"' in q["sql"]
    ]
    assert len(reads) == 1, reads


def test_a_move_the_pathway_would_refuse_is_not_offered(web_as, nurse, physio, bert):
    from coxa.core.audit import Via
    from coxa.pathways import services as pathways

    episode = pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB
    )
    pathways.move_episode(episode=episode, to="assessed", reason="", by=nurse, via=Via.WEB)
    assert "Move the hip on" not in steps_html(web_as(physio), episode)
    assert "Move the hip on" in steps_html(web_as(nurse), episode)


def test_gathering_the_steps_reads_the_note_without_its_rows(
    surgeon, bert, django_assert_max_num_queries
):
    """The steps ask only whether the note is written and signed: no implants, addenda or
    confirmations are read (one query for the note, however many rows it has)."""
    from coxa.workspace.selectors.steps import facts_of

    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=dt.date(2026, 10, 5),
        operated_on=dt.date(2026, 10, 26),
    )
    with django_assert_max_num_queries(9) as captured:
        facts = facts_of(episode)
    assert facts.signed_on == dt.date(2026, 10, 26)
    tables = ("surgery_implant", "surgery_addendum", "surgery_overrideconfirmation")
    read = " ".join(q["sql"].split(" WHERE ")[0] for q in captured.captured_queries)
    assert not any(f'FROM "{t}"' in read for t in tables)
