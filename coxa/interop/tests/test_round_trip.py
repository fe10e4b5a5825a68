"""Records exported by $export and imported into an empty database come back the same.

The same patients (names, birth date, sex, NHS and hospital numbers), the same hips still in
care (side, procedure, referral day; opened afresh as referred: FHIR carries no pathway
state), the same measurements, allergies and medicines. Then the import's refusals.
"""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from coxa.accounts.domain import Role
from coxa.assessment.models import Allergy, Medication, Observation
from coxa.conftest import make_user
from coxa.interop.tests.test_bulk_export import ASYNC, smart_token
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from tests.journeys import walk_to

LISTED_ON = dt.date(2026, 1, 5)


def snapshot():
    def sorted_(rows):
        return sorted(rows, key=str)

    return {
        "patients": sorted_(
            Patient.objects.values_list(
                "given_name", "family_name", "date_of_birth", "sex", "nhs_number", "hospital_number"
            )
        ),
        "hips": sorted_(
            Episode.objects.values_list("patient__nhs_number", "side", "procedure", "referred_on")
        ),
        "measurements": sorted_(
            Observation.objects.filter(is_current=True).values_list(
                "patient__nhs_number", "code", "value", "unit", "on"
            )
        ),
        "allergies": sorted_(
            Allergy.objects.filter(is_current=True).values_list(
                "patient__nhs_number", "substance", "substance_code", "status"
            )
        ),
        "medicines": sorted_(
            Medication.objects.filter(is_current=True).values_list(
                "patient__nhs_number", "name", "atc", "active"
            )
        ),
    }


def exported(tmp_path, signer):
    client = Client(headers={"Authorization": f"Bearer {smart_token(signer)}"})
    started = client.get("/fhir/$export", headers=ASYNC)
    status = started["Content-Location"].removeprefix("http://testserver")
    manifest = client.get(status).json()
    files = []
    for number, output in enumerate(manifest["output"]):
        taken = client.get(output["url"].removeprefix("http://testserver"))
        path = tmp_path / f"{number}-{output['type']}.ndjson"
        path.write_bytes(taken.content)
        files.append(str(path))
    return files


@pytest.mark.django_db(transaction=True)
def test_an_export_imported_into_an_empty_database_is_the_same_records(
    tmp_path, surgeon, bert, ada, connected_system
):
    walk_to("ready", patient=bert, by=surgeon, listed_on=LISTED_ON)
    walk_to(
        "ready",
        patient=ada,
        by=surgeon,
        listed_on=LISTED_ON,
        side="right",
        procedure="core-decompression",
    )
    before = snapshot()
    assert before["measurements"]
    files = exported(tmp_path, connected_system)
    call_command("flush", interactive=False, verbosity=0)
    assert Patient.objects.count() == 0
    importer = make_user("importer", Role.NURSE)
    call_command("import", "fhir", *files, "--by", importer.username, verbosity=0)
    assert snapshot() == before
    # Again: nothing is added twice.
    call_command("import", "fhir", *files, "--by", importer.username, verbosity=0)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_patient_with_a_refused_record_is_not_kept_and_others_are(tmp_path, nurse):
    good = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Hale", "given": ["Ruth"]}],
        "gender": "female",
        "birthDate": "1970-02-03",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765870"}],
    }
    bad = {
        "resourceType": "Patient",
        "id": "p2",
        "name": [{"family": "Moss", "given": ["Tom"]}],
        "gender": "male",
        "birthDate": "1966-05-06",
    }
    hip = {
        "resourceType": "EpisodeOfCare",
        "id": "e2",
        "status": "waitlist",
        "patient": {"reference": "Patient/p2"},
        "extension": [{"url": "urn:coxa:extension:hip-side", "valueCode": "left"}],
        "type": [{"coding": [{"system": "urn:coxa:code-system:procedure", "code": "bhr"}]}],
        "period": {"start": "2026-01-05"},
    }
    implausible = {
        "resourceType": "Observation",
        "id": "o2",
        "status": "final",
        "subject": {"reference": "Patient/p2"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "effectiveDateTime": "2026-01-06",
        "valueQuantity": {"value": 900, "code": "g/L"},
    }
    procedure = {"resourceType": "Procedure", "id": "x", "subject": {"reference": "Patient/p1"}}
    bundle = tmp_path / "bundle.json"
    bundle.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": r} for r in (good, bad, hip, implausible, procedure)],
            }
        )
    )
    printed = []

    class Out:
        def write(self, text):
            printed.append(text)

    with pytest.raises(CommandError, match="refused"):
        call_command("import", "fhir", str(bundle), "--by", nurse.username, stdout=Out())
    text = "".join(printed)
    assert Patient.objects.filter(family_name="Hale").exists()
    assert not Patient.objects.filter(family_name="Moss").exists()
    assert not Episode.objects.exists()
    assert "Procedure/x skipped: Coxa does not import Procedure" in text
    assert "Observation/o2 refused" in text or "refused" in text
    assert "Patient/p1 registered" in text


@pytest.mark.django_db
def test_a_file_that_is_not_fhir_is_refused_naming_it(tmp_path, nurse):
    odd = tmp_path / "odd.json"
    odd.write_text("[1, 2]")
    with pytest.raises(CommandError, match=r"odd\.json: not a FHIR resource"):
        call_command("import", "fhir", str(odd), "--by", nurse.username)
    with pytest.raises(CommandError, match="no active user"):
        call_command("import", "fhir", str(odd), "--by", "nobody")


@pytest.mark.django_db(transaction=True)
def test_an_operated_hip_is_not_opened_again_from_a_file(tmp_path, surgeon, bert, connected_system):
    walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)
    files = exported(tmp_path, connected_system)
    call_command("flush", interactive=False, verbosity=0)
    importer = make_user("importer", Role.NURSE)
    printed = []

    class Out:
        def write(self, text):
            printed.append(text)

    call_command("import", "fhir", *files, "--by", importer.username, stdout=Out())
    text = "".join(printed)
    assert Patient.objects.filter(nhs_number=bert.nhs_number).exists()
    assert not Episode.objects.exists()  # not listed for surgery again
    assert "an operated hip is not opened from a file" in text
    assert not Observation.objects.exists()
    assert "no hip waiting for surgery" in text
