"""FHIR resources read as Coxa's inputs (pure): what is taken, and why the rest is not."""

import datetime as dt

from coxa.interop.domain.reading import Read, Skip, read

TODAY = dt.date(2026, 12, 1)
PROCEDURES = ("bhr", "core-decompression", "total-hip-replacement")


def reading(resource):
    return read(
        resource, hospital_system="urn:coxa:hospital-number", procedures=PROCEDURES, today=TODAY
    )


def allergy(clinical, verification):
    return {
        "resourceType": "AllergyIntolerance",
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": "264287008"}],
            "text": "Nickel",
        },
        "clinicalStatus": {"coding": [{"code": clinical}]} if clinical else None,
        "verificationStatus": {"coding": [{"code": verification}]},
        "patient": {"reference": "Patient/p"},
    }


def test_an_allergy_keeps_its_status():
    assert reading(allergy("active", "confirmed")).fields["status"] == "active"
    assert reading(allergy("inactive", "confirmed")).fields["status"] == "inactive"
    assert reading(allergy("inactive", "refuted")).fields["status"] == "refuted"
    assert isinstance(reading(allergy(None, "entered-in-error")), Skip)


def test_a_measurement_is_read_by_loinc_or_coxas_code_else_skipped():
    base = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": "2026-11-02",
        "valueQuantity": {"value": 41, "code": "mmol/mol"},
    }
    ifcc = reading(base | {"code": {"coding": [{"system": "http://loinc.org", "code": "59261-8"}]}})
    assert ifcc == Read(
        "observation",
        {"code": "hba1c", "value": 41, "unit": "mmol/mol", "observed_on": dt.date(2026, 11, 2)},
    )
    unknown = reading(
        base | {"code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]}}
    )
    assert isinstance(unknown, Skip)
    preliminary = reading(base | {"status": "preliminary", "code": {"text": "x"}})
    assert isinstance(preliminary, Skip)
    assert "preliminary" in preliminary.reason


def test_a_hip_needs_its_side_and_a_procedure_and_must_still_be_in_care():
    hip = {
        "resourceType": "EpisodeOfCare",
        "status": "waitlist",
        "extension": [{"url": "urn:coxa:extension:hip-side", "valueCode": "right"}],
        "type": [{"coding": [{"system": "urn:coxa:code-system:procedure", "code": "bhr"}]}],
        "period": {"start": "2026-03-04"},
    }
    assert reading(hip) == Read(
        "episode", {"side": "right", "procedure": "bhr", "referred_on": dt.date(2026, 3, 4)}
    )
    assert isinstance(reading(hip | {"status": "finished"}), Skip)
    assert isinstance(reading(hip | {"extension": []}), Skip)
    assert isinstance(reading(hip | {"type": [{"text": "knee"}]}), Skip)


def test_a_medicine_coded_by_dmd_reads_as_its_atc_class():
    medicine = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {
            "coding": [{"system": "https://dmd.nhs.uk", "code": "108979001"}],
            "text": "Clopidogrel 75 mg",
        },
    }
    found = reading(medicine)
    assert found.fields["atc"] == "B01AC04"
    assert found.fields["class"] == "antiplatelet"
    assert isinstance(reading(medicine | {"status": "entered-in-error"}), Skip)


def test_what_coxa_does_not_import_is_named():
    skipped = reading({"resourceType": "Procedure"})
    assert isinstance(skipped, Skip)
    assert "Procedure" in skipped.reason
