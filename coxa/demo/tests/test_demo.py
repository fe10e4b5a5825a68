import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import procedure_codes
from coxa.core import clock
from coxa.demo.domain import FOLLOWED_FOR_LIFE, plan_patients
from coxa.outcomes.models import (
    Conversion,
    Death,
    FollowUpProgramme,
    FollowUpReview,
    QuestionnaireResponse,
)
from coxa.pathways.domain import EpisodeState, Side
from coxa.pathways.models import Episode
from coxa.patients.domain import nhs_number_problem
from coxa.patients.models import Patient
from coxa.surgery.models import OperationNote
from coxa.surveillance.models import (
    EnrolledImplant,
    Enrolment,
    ImagingStudy,
    MetalIonResult,
    SurveillanceReview,
)
from coxa.surveillance.worklist import statuses_of

TODAY = dt.date(2026, 11, 22)


def final_states(plan):
    for episode in plan.episodes:
        yield episode.steps[-1].to if episode.steps else EpisodeState.REFERRED


def test_the_same_seed_gives_the_same_patients():
    assert plan_patients(30, seed=7, today=TODAY) == plan_patients(30, seed=7, today=TODAY)
    assert plan_patients(30, seed=7, today=TODAY) != plan_patients(30, seed=8, today=TODAY)


def test_plans_cover_every_state_procedure_and_hip():
    plans = plan_patients(240, seed=2026, today=TODAY)
    assert {s for p in plans for s in final_states(p)} == set(EpisodeState)
    assert {e.procedure for p in plans for e in p.episodes} == set(procedure_codes())
    assert {e.side for p in plans for e in p.episodes} == set(Side)
    assert any(len(p.episodes) == 2 for p in plans)


def test_synthetic_identifiers_are_valid_unique_and_in_the_test_range():
    plans = plan_patients(240, seed=2026, today=TODAY)
    numbers = [p.nhs_number for p in plans if p.nhs_number]
    assert len(numbers) == len(set(numbers))
    assert all(n.startswith("999") and nhs_number_problem(n) is None for n in numbers)


def test_bhr_is_planned_only_for_men():
    # MHRA MDA/2015/024: BHR is no longer implanted in women.
    plans = plan_patients(240, seed=2026, today=TODAY)
    assert all(p.sex == "male" for p in plans if any(e.procedure == "bhr" for e in p.episodes))


def test_the_demo_refuses_to_run_without_debug(db):
    with pytest.raises(CommandError, match="COXA_DEBUG"):
        call_command("demo")


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_demo_loads_through_the_services_and_prints_logins():
    out = StringIO()
    call_command("demo", "--patients", "24", stdout=out)
    text = out.getvalue()
    for username in ("surgeon", "nurse", "anaesthetist", "physio", "admin", "analyst", "patient"):
        assert f"  {username} " in text
    assert set(Episode.objects.values_list("state", flat=True)) == {s.value for s in EpisodeState}
    # Issue 14: every converted hip went through the conversion record, every death through
    # the death record, which closed the patient's open episodes.
    converted = Episode.objects.filter(state="converted")
    assert Conversion.objects.filter(episode__in=converted).count() == converted.count()
    assert all(c.new_episode.converted_from_id == c.episode_id for c in Conversion.objects.all())
    died = Episode.objects.filter(state="died")
    assert all(Death.objects.filter(patient=e.patient).exists() for e in died)
    assert all(
        p.date_of_death == p.death.on for p in Patient.objects.filter(date_of_death__isnull=False)
    )
    # The follow-up: operated hips have questionnaires and clinic reviews through the
    # services, each at a point of the schedule; the sweep gave every followed hip its
    # programme; no resurfaced hip was discharged from follow-up.
    operated = Episode.objects.filter(state__in=["recovering", "follow-up", "completed"])
    answered = QuestionnaireResponse.objects.filter(episode__in=operated)
    assert answered.exists()
    assert not answered.filter(point="").exists()
    assert FollowUpReview.objects.exists()
    followed = Episode.objects.filter(state__in=["listed", "recovering", "follow-up"])
    assert FollowUpProgramme.objects.filter(episode__in=followed).count() == followed.count()
    assert not Episode.objects.filter(procedure="bhr", state="completed").exists()
    again = StringIO()
    call_command("demo", stdout=again)
    assert "already loaded" in again.getvalue()


def test_the_procedures_followed_for_life_are_the_catalogues():
    """The demo never plans a discharge for a hip the catalogue follows for life."""
    catalogue = get_catalogue()
    lifelong = {c for c, p in catalogue.procedures.items() if p.surveillance is not None}
    assert lifelong == FOLLOWED_FOR_LIFE
    plans = plan_patients(240, seed=2026, today=TODAY)
    assert not any(
        e.procedure in lifelong and any(s.to is EpisodeState.COMPLETED for s in e.steps)
        for p in plans
        for e in p.episodes
    )


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_demo_enrols_its_resurfaced_hips_with_a_mixture_of_results():
    """Issue 15: every resurfacing signed is enrolled, through the surveillance services, and
    the results tell the clinic's stories: low levels for most, a few above 7 µg/L (a repeat
    awaited, a collection watched, a referral), a rise, a serum result, mixed units, and hips
    due, overdue and lost on today's worklist."""
    call_command("demo", "--patients", "24", stdout=StringIO())
    signed = OperationNote.objects.filter(procedure="bhr", signed_at__isnull=False)
    assert signed.exists()
    enrolled = set(Enrolment.objects.values_list("episode_id", flat=True))
    assert set(signed.values_list("episode_id", flat=True)) <= enrolled
    by_hand = Enrolment.objects.filter(source="recorded-elsewhere")
    assert by_hand.exists()
    assert all(e.operated_on and e.operated_where for e in by_hand)
    assert EnrolledImplant.objects.exclude(lot="").filter(enrolment__in=by_hand).exists()
    # Nothing active is left on a hip revised or whose patient died (the sweep ended them).
    assert not Enrolment.objects.filter(
        status="active", episode__state__in=["converted", "died"]
    ).exists()
    whole = MetalIonResult.objects.filter(matrix="whole-blood")
    highest = [max(r.cobalt_ug_per_l or 0, r.chromium_ug_per_l or 0) for r in whole]
    low = [h for h in highest if 0.5 <= h <= 3.2]
    assert len(low) > len(highest) / 2
    assert sum(h > 7 for h in highest) >= 3
    assert {u for r in MetalIonResult.objects.all() for u in (r.cobalt_unit, r.chromium_unit)} == {
        "ug/L",
        "[ppb]",
        "nmol/L",
    }
    codes = {f["code"] for r in MetalIonResult.objects.all() for f in r.flags}
    assert {"above-concern", "rising", "repeat-bloods", "not-whole-blood"} <= codes
    assert MetalIonResult.objects.filter(matrix="serum").exists()
    assert ImagingStudy.objects.filter(fluid_collection="present", solid_mass="absent").exists()
    assert ImagingStudy.objects.filter(solid_mass="present", muscle_involvement="present").exists()
    assert SurveillanceReview.objects.filter(recommendation="refer-revision").exists()
    assert SurveillanceReview.objects.filter(recommendation="routine").exists()
    today = clock.today()
    shown = {s for e in Enrolment.objects.filter(status="active") for s in statuses_of(e, today)}
    assert {"due", "overdue", "flagged", "repeat", "lost"} <= shown
