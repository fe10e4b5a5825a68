"""The demo patient account sees hips at several stages, so every portal page has something."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from coxa.assessment.services.letters import letter_of
from coxa.demo.logins import PORTAL_PATIENT, portal_patient_plan
from coxa.outcomes.models import QuestionnaireResponse
from coxa.patients.models import Patient
from coxa.surgery.selectors import plan_of
from coxa.surveillance.models import Enrolment


@pytest.mark.django_db
def test_the_portal_patient_s_plan_is_the_same_each_time():
    today = dt.date(2026, 11, 30)
    first, second = portal_patient_plan(today), portal_patient_plan(today)
    assert (first.given_name, first.family_name, first.date_of_birth) == (
        second.given_name,
        second.family_name,
        second.date_of_birth,
    )


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_demo_patient_has_hips_at_different_stages():
    out = StringIO()
    call_command("demo", "--patients", "24", stdout=out)
    patient = Patient.objects.get(user__username="patient")
    assert f"sees the records of {patient.display_name}" in out.getvalue()
    hips = list(patient.episodes.all())
    assert len({e.side for e in hips}) == 2
    assert len({e.state for e in hips}) >= 2
    followed = next(e for e in hips if e.state in ("recovering", "follow-up"))
    assert plan_of(followed) is not None
    assert QuestionnaireResponse.objects.filter(episode=followed).exists()
    if followed.procedure == "bhr":
        assert Enrolment.objects.filter(episode=followed, status="active").exists()
    before = next(e for e in hips if e.state in ("listed", "optimising", "ready", "scheduled"))
    assert any(s.stop_on for s in letter_of(before).stops)
    assert patient.hospital_number == PORTAL_PATIENT or patient.hospital_number < "D9"
