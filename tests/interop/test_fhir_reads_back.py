"""Coxa's FHIR resources read by Coxa's own CDS Hooks reader: what it sends, it would read.

Here, outside the package, because the two edge apps (interop and cds) never import each other.
"""

import datetime as dt

import pytest

from coxa.cds.domain.fhir import read_prefetch
from coxa.interop.tests.test_fhir_api import LISTED_ON, get
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def hips(surgeon, ada):
    return walk_to(
        "recovering",
        patient=ada,
        by=surgeon,
        listed_on=LISTED_ON,
        procedure="core-decompression",
        side="right",
    )


def test_coxas_own_resources_read_back_as_the_same_hips_by_its_cds_reader(hips, nurse, ada):
    """What Coxa sends is what Coxa would read: the diagnosis, the side, the stage."""

    def search(type_):
        return get(nurse, f"/fhir/{type_}?patient={ada.public_id}").json()

    prefetch = {
        "patient": get(nurse, f"/fhir/Patient/{ada.public_id}").json(),
        "conditions": search("Condition"),
        "observations": search("Observation"),
        "medications": search("MedicationStatement"),
        "allergies": search("AllergyIntolerance"),
    }
    found = read_prefetch(prefetch, today=dt.date(2026, 2, 1))
    assert set(found.hips) == {"right"}
    assert found.hips["right"]["diagnosis"] == "avascular-necrosis"
    assert found.hips["right"]["avn_staging"] == {"system": "arco-2019", "stage": "II"}
    assert found.observations["bmi"]["value"] == 27.5
