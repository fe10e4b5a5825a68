"""The patient banner: on every clinical page, the right patient, allergies never hidden,
alerts, no banner on the portal or public pages, and a fixed number of queries (H74)."""

import datetime as dt

import pytest

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services.entries import record_entry
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.pathways.models import Episode
from coxa.workspace.selectors.banner import QUERIES, banner_of
from coxa.workspace.tests.hips import TODAY, day, hip, store_panel
from tests.journeys import at_time

pytestmark = pytest.mark.django_db

HIP_PAGES = (
    "",
    "clinic/",
    "decision/",
    "letter/",
    "operation/",
    "questionnaires/",
    "complications/",
    "reviews/",
    "conversion/",
    "surveillance/",
)


def get(client, url):
    with at_time(TODAY, 10):
        return client.get(url)


def banner(page):
    start = page.index('<section class="banner" aria-label="Patient"')
    return page[start : page.index("</section>", start)]


def test_the_chart_shows_who_and_says_allergies_are_not_recorded(bert, surgeon, web_as):
    page = get(web_as(surgeon), f"/staff/patients/{bert.public_id}/").content.decode()
    shown = banner(page)
    assert "OKAFOR, Bert" in shown
    assert "54 years, born 14 Mar 1971" in shown
    assert "943 476 5919" in shown
    assert "H100200" in shown.upper()
    assert "Allergies not recorded" in shown
    assert "No known allergies" not in shown


@pytest.mark.parametrize("suffix", HIP_PAGES)
def test_every_hip_page_shows_the_hip_and_no_known_allergies(suffix, nurse, surgeon, web_as):
    episode = hip(nurse, surgeon, "Banner", "follow-up", operated=day(-60))
    response = get(web_as(surgeon), f"/staff/episodes/{episode.public_id}/{suffix}")
    assert response.status_code == 200, (suffix, response.status_code)
    shown = banner(response.content.decode())
    assert "BANNERSON, Banner" in shown
    assert "Left hip: Birmingham Hip Resurfacing" in shown, shown
    assert "Follow-up" in shown
    assert "No known allergies" in shown


def test_an_allergy_is_shown_even_after_none_known(nurse, surgeon, web_as):
    episode = hip(nurse, surgeon, "Allergic", "scheduled", operated=day(5))
    with at_time(TODAY, 8):
        record_entry(
            kind=Kind.ALLERGY,
            episode=episode,
            payload={"substance": "Penicillin", "reaction": "rash", "recorded_on": TODAY},
            by=nurse,
            via=Via.WEB,
        )
    shown = banner(get(web_as(surgeon), f"/staff/episodes/{episode.public_id}/").content.decode())
    assert "Penicillin (rash)" in shown
    assert "No known allergies" not in shown


def test_alerts_from_the_stored_readiness_history_and_death(nurse, surgeon, web_as):
    episode = hip(nurse, surgeon, "Alert", "scheduled", operated=day(5))
    store_panel(
        episode,
        candidacy="caution",
        cautions=[{"rule_id": "x", "message": "m", "acknowledged": False}],
        medication_stops=[
            {"medication": "Apixaban", "class": "doac", "needs_decision": True},
            {"medication": "Ibuprofen", "class": "nsaid", "needs_decision": True},
        ],
    )
    with at_time(TODAY, 8):
        record_entry(
            kind=Kind.HISTORY,
            episode=episode,
            payload={"coronary_stent_or_recent_acs": True, "recorded_on": TODAY},
            by=nurse,
            via=Via.WEB,
        )
    store_panel(
        episode,
        candidacy="caution",
        cautions=[{"rule_id": "x", "message": "m", "acknowledged": False}],
        medication_stops=[{"medication": "Apixaban", "class": "doac", "needs_decision": True}],
    )
    shown = banner(get(web_as(surgeon), f"/staff/episodes/{episode.public_id}/").content.decode())
    assert "1 caution not acknowledged by a surgeon" in shown
    assert "Decision needed before surgery: Apixaban" in shown
    assert "Ibuprofen" not in shown
    assert "Coronary stent or recent heart attack recorded" in shown


def test_no_banner_on_the_portal_or_public_pages(ada, ada_user, client):
    for public in ("/", "/accounts/login/", "/questionnaire/not-a-token/"):
        assert 'aria-label="Patient"' not in client.get(public).content.decode()
    client.force_login(ada_user)
    response = client.get("/portal/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lovelace-Byron" in page  # the patient's own page, with her name
    assert 'aria-label="Patient"' not in page
    assert 'class="banner"' not in page


def test_a_role_that_may_not_see_patients_gets_no_banner(bert, analyst):
    assert banner_of(viewer=analyst, patient=bert) is None


def test_another_patients_hip_is_never_shown_beside_the_name(nurse, surgeon, bert):
    episode = hip(nurse, surgeon, "Other", "scheduled", operated=day(5))
    shown = banner_of(viewer=surgeon, patient=bert, episode=episode)
    assert shown is not None
    assert shown.name == "OKAFOR, Bert"
    assert shown.side == ""
    assert shown.procedure == ""


def test_the_banner_costs_fixed_queries_and_records_nothing(
    nurse, surgeon, django_assert_num_queries
):
    episode = hip(nurse, surgeon, "Counted", "scheduled", operated=day(5))
    for n in range(3):
        with at_time(TODAY, 8 + n):
            record_entry(
                kind=Kind.ALLERGY,
                episode=episode,
                payload={"substance": f"Substance {n}", "recorded_on": TODAY},
                by=nurse,
                via=Via.WEB,
            )
    episode = Episode.objects.select_related("patient").get(pk=episode.pk)
    before = AuditEvent.objects.count()
    with at_time(TODAY, 12), django_assert_num_queries(QUERIES):
        shown = banner_of(viewer=surgeon, patient=episode.patient, episode=episode)
    assert shown is not None
    assert len(shown.allergies.listed) == 3
    assert AuditEvent.objects.count() == before
    with at_time(TODAY, 12), django_assert_num_queries(QUERIES):
        banner_of(viewer=surgeon, patient=episode.patient)


def test_a_death_is_an_alert(nurse, surgeon, bert):
    bert.date_of_death = dt.date(2026, 2, 1)
    bert.save()
    shown = banner_of(viewer=surgeon, patient=bert)
    assert shown is not None
    assert shown.alerts[0].text == "Died 1 Feb 2026"
