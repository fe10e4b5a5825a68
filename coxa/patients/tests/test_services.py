import datetime as dt

import pytest

from coxa.conftest import details
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput
from coxa.core.models import AuditEvent
from coxa.patients import services
from coxa.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_registering_stores_identifiers_in_their_normal_form(nurse):
    patient = services.register_patient(details=details(), by=nurse, via=Via.WEB)
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.nhs_number == "9434765919"
    assert stored.hospital_number == "H100200"
    assert (stored.family_key, stored.given_key) == ("okafor", "bert")


def test_registering_writes_an_audit_record(nurse):
    patient = services.register_patient(details=details(), by=nurse, via=Via.API)
    event = AuditEvent.objects.get(action="patient.create")
    assert (event.actor, event.patient_id, event.via) == (nurse, patient.public_id, "api")


def test_invalid_details_save_nothing(nurse):
    with pytest.raises(InvalidInput) as error:
        services.register_patient(
            details=details(nhs_number="1234567890", date_of_birth=dt.date(2999, 1, 1)),
            by=nurse,
            via=Via.WEB,
        )
    assert {p.field for p in error.value.problems} == {"nhs_number", "date_of_birth"}
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action="patient.create").exists()


def test_a_duplicate_nhs_number_is_refused(nurse, bert):
    with pytest.raises(Conflict) as error:
        services.register_patient(
            details=details(given_name="Other", hospital_number=""), by=nurse, via=Via.WEB
        )
    assert (error.value.code, error.value.field) == ("duplicate-nhs-number", "nhs_number")
    assert Patient.objects.count() == 1


def test_a_duplicate_hospital_number_is_refused_whatever_its_case(nurse, bert):
    with pytest.raises(Conflict) as error:
        services.register_patient(
            details=details(nhs_number="", hospital_number="H100200".lower()),
            by=nurse,
            via=Via.WEB,
        )
    assert error.value.field == "hospital_number"


def test_many_patients_may_have_no_nhs_number(nurse):
    for number, name in (("A1", "Anne"), ("A2", "Alan")):
        services.register_patient(
            details=details(nhs_number="", hospital_number=number, given_name=name),
            by=nurse,
            via=Via.WEB,
        )
    assert Patient.objects.filter(nhs_number__isnull=True).count() == 2


def test_roles_without_edit_rights_cannot_register(physio, analyst, anaesthetist):
    for user in (physio, analyst, anaesthetist):
        with pytest.raises(Forbidden):
            services.register_patient(details=details(), by=user, via=Via.WEB)


def test_corrections_record_what_changed_and_why(nurse, bert):
    services.update_patient(
        patient=bert,
        details=details(family_name="Okafor-Smith"),
        by=nurse,
        via=Via.WEB,
        reason="Name changed on marriage",
    )
    event = AuditEvent.objects.get(action="patient.update")
    assert event.details == {"changed": ["family_name"]}
    assert event.reason == "Name changed on marriage"
    assert Patient.objects.get(pk=bert.pk).family_key == "okafor-smith".replace("-", "")


def test_an_unchanged_save_writes_nothing(nurse, bert):
    services.update_patient(patient=bert, details=details(), by=nurse, via=Via.WEB)
    assert not AuditEvent.objects.filter(action="patient.update").exists()


def test_a_correction_cannot_take_another_patients_number(nurse, bert):
    other = services.register_patient(
        details=details(nhs_number="4010232137", hospital_number="X9", given_name="Clara"),
        by=nurse,
        via=Via.WEB,
    )
    with pytest.raises(Conflict):
        services.update_patient(
            patient=other,
            details=details(hospital_number="X9", given_name="Clara"),
            by=nurse,
            via=Via.WEB,
        )
    assert Patient.objects.get(pk=other.pk).nhs_number == "4010232137"


def test_only_patient_accounts_can_be_linked(nurse, bert, surgeon):
    with pytest.raises(InvalidInput):
        services.link_account(patient=bert, user=surgeon, by=nurse, via=Via.WEB)


def test_one_account_links_to_one_patient(nurse, bert, ada, ada_user):
    with pytest.raises(Conflict):
        services.link_account(patient=bert, user=ada_user, by=nurse, via=Via.WEB)
