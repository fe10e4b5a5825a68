"""Issue 19 (H95): UK and US codes the CDS service read wrongly, each sent as an EHR sends it.

Each case goes through the domain reader (what Coxa understood) and, where the answer a
clinician sees depends on it, through the real endpoint (the cards).
"""

import datetime as dt
import uuid
from typing import get_args

import pytest

from coxa.cds.domain.conditions import hip_condition
from coxa.cds.domain.fhir import read_prefetch
from coxa.conftest import sign_in_request
from coxa.decisions.domain.document import Diagnosis
from coxa.terminology.codes import CODES, Use

SNOMED, LOINC, ATC, DMD = (
    "http://snomed.info/sct",
    "http://loinc.org",
    "http://www.whocc.no/atc",
    "https://dmd.nhs.uk",
)
ICD10, CM = "http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"
TODAY = dt.date(2026, 11, 22)


def site(code):
    return {"coding": [{"system": SNOMED, "code": code}]}


LEFT, RIGHT = site("7771000"), site("24028007")
HIP_JOINT, HIP_REGION, FEMORAL_HEAD = site("24136001"), site("29836001"), site("2812003")
RIGHT_HIP, LEFT_HIP = site("287579007"), site("287679003")
KNEE = site("72696002")  # Knee region structure: not a hip


def bundle(*resources):
    entries = [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


def condition(system, code, *sites):
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": system, "code": code}]},
        "bodySite": list(sites),
    }


def prefetch(**changes):
    base = {
        "patient": {"resourceType": "Patient", "gender": "male", "birthDate": "1984-03-01"},
        "conditions": bundle(),
        "observations": bundle(),
        "medications": bundle(),
        "allergies": bundle(),
    }
    return base | changes


def osteoarthritis_left():
    """A hip condition every version of the service reads: SNOMED CT, left."""
    return condition(SNOMED, "239872002", LEFT)


def read(*conditions, **changes):
    return read_prefetch(prefetch(conditions=bundle(*conditions), **changes), today=TODAY)


@pytest.fixture
def cds(db, client, surgeon):
    from coxa.accounts.services import issue_token

    token = issue_token(username="sam", password="a-long-test-password", request=sign_in_request())

    def cards(*conditions, **changes):
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "1"},
            "prefetch": prefetch(conditions=bundle(*conditions), **changes),
        }
        response = client.post(
            "/cds-services/coxa-hip-decisions",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.content
        return response.json()["cards"]

    return cards


def test_every_condition_a_code_is_read_as_is_a_diagnosis_the_engine_has():
    diagnoses = {c.means for c in CODES if c.use in (Use.CONDITION, Use.BONE_CONDITION)}
    assert diagnoses <= set(get_args(Diagnosis))


# 1. ICD-10 M16 (coxarthrosis) is hip osteoarthritis; the code's own side is read.


@pytest.mark.parametrize(
    ("system", "code", "sites", "hips", "unsided"),
    [
        (ICD10, "M16.1", [RIGHT], {"right": "osteoarthritis"}, 0),  # issue 19: gave no card
        (ICD10, "M16.1", [], {}, 1),  # "other primary": one hip, the side not said
        (ICD10, "M16.9", [LEFT], {"left": "osteoarthritis"}, 0),
        (ICD10, "M16.0", [], {"left": "osteoarthritis", "right": "osteoarthritis"}, 0),
        (ICD10, "M16.2", [], {"left": "dysplasia", "right": "dysplasia"}, 0),
        (ICD10, "M16.4", [], {"left": "osteoarthritis", "right": "osteoarthritis"}, 0),
        (ICD10, "M16.7", [LEFT], {"left": "other"}, 0),  # secondary: never plain arthritis
        (CM, "M16.11", [], {"right": "osteoarthritis"}, 0),
        (CM, "M16.12", [], {"left": "osteoarthritis"}, 0),
        (CM, "M16.10", [], {}, 1),  # unspecified hip
        (CM, "M16.32", [], {"left": "dysplasia"}, 0),
        (CM, "M16.51", [HIP_JOINT], {"right": "osteoarthritis"}, 0),
        (CM, "M16.6", [], {"left": "other", "right": "other"}, 0),
        (CM, "M16.7", [], {}, 1),  # unilateral, no side in the code
        (CM, "M17.11", [RIGHT], {}, 0),  # a knee
    ],
)
def test_coxarthrosis_codes_are_hips_with_the_side_they_give(system, code, sites, hips, unsided):
    found = read(condition(system, code, *sites))
    assert {side: hip["diagnosis"] for side, hip in found.hips.items()} == hips
    assert found.unsided == unsided


def test_who_m16_1_on_the_left_gives_a_left_hip_card(cds):
    cards = cds(condition(ICD10, "M16.1", LEFT))
    assert [c["summary"].split(":")[0] for c in cards] == ["Left hip"]
    assert cards[0]["summary"].startswith("Left hip: BHR")


def test_other_secondary_coxarthrosis_is_a_caution_never_a_plain_indication(cds):
    (card,) = cds(condition(CM, "M16.7", RIGHT))
    assert "*caution*: This diagnosis is outside the indication for BHR" in card["detail"]


@pytest.mark.parametrize(
    "sites", [[LEFT], [LEFT_HIP], [HIP_JOINT, LEFT]], ids=["left", "left-hip", "hip-and-left"]
)
def test_a_code_and_a_body_site_that_disagree_leave_the_side_unknown(sites):
    found = read(condition(CM, "M16.11", *sites))  # the code says right
    assert (found.hips, found.unsided) == ({}, 1)


def test_a_bilateral_code_with_one_side_recorded_is_not_read_as_that_side(cds):
    found = read(condition(ICD10, "M16.0", RIGHT))
    assert (found.hips, found.unsided) == ({}, 1)
    (card,) = cds(condition(ICD10, "M16.0", RIGHT))
    assert "sides that disagree" in card["summary"]
    assert len(card["summary"]) < 140


# 2. Osteonecrosis (M87) is of any bone: a hip's only where something says hip.


def test_who_osteonecrosis_with_only_a_side_gives_no_hip_card(cds):
    # Issue 19: M87.1 with a body site of "right" gave a right hip card.
    assert read(condition(ICD10, "M87.1", RIGHT)).hips == {}
    assert cds(condition(ICD10, "M87.1", RIGHT)) == []


@pytest.mark.parametrize(
    ("sites", "hips", "unsided"),
    [
        ([HIP_JOINT, RIGHT], {"right"}, 0),
        ([RIGHT_HIP], {"right"}, 0),
        ([HIP_REGION, LEFT], {"left"}, 0),
        ([FEMORAL_HEAD], set(), 1),  # a hip, its side not said
        ([], set(), 0),
        ([KNEE, RIGHT], set(), 0),
        ([site("71341001"), RIGHT], set(), 0),  # Bone structure of femur: not only the hip
    ],
)
def test_who_osteonecrosis_is_a_hip_where_its_body_site_is_one(sites, hips, unsided):
    found = read(condition(ICD10, "M87.1", *sites))
    assert set(found.hips) == hips
    assert all(h["diagnosis"] == "avascular-necrosis" for h in found.hips.values())
    assert found.unsided == unsided


# 3. ICD-10-CM's femur codes carry the side; the pelvis is not a hip.


@pytest.mark.parametrize(
    ("code", "sites", "hips", "unsided"),
    [
        ("M87.051", [], {"right"}, 0),  # issue 19: was read as sideless
        ("M87.052", [], {"left"}, 0),
        ("M87.151", [], {"right"}, 0),
        ("M87.252", [], {"left"}, 0),
        ("M87.351", [HIP_JOINT], {"right"}, 0),
        ("M87.852", [], {"left"}, 0),
        ("M87.059", [], set(), 1),  # unspecified femur
        ("M87.256", [], set(), 1),  # unspecified femur is not always ...59
        ("M87.353", [], set(), 1),
        ("M87.050", [], set(), 0),  # pelvis
        ("M87.050", [HIP_JOINT, RIGHT], set(), 0),  # the pelvis never becomes a hip
        ("M87.011", [HIP_JOINT], set(), 0),  # a shoulder
        ("M87.051", [KNEE], set(), 0),  # the femur's knee end
        ("M87.051", [LEFT], set(), 1),  # right femur, left side: not known
        ("M87.9", [], set(), 0),  # no bone named
        ("M87.9", [HIP_JOINT, LEFT], {"left"}, 0),
        ("M87.09", [LEFT_HIP], {"left"}, 0),  # multiple sites, the hip one of them
    ],
)
def test_icd_10_cm_osteonecrosis_of_the_femur_gives_its_side(code, sites, hips, unsided):
    found = read(condition(CM, code, *sites))
    assert set(found.hips) == hips
    assert found.unsided == unsided


def test_m87_051_gives_a_right_hip_core_decompression_card(cds):
    (card,) = cds(condition(CM, "M87.051"))
    assert card["summary"].startswith("Right hip: core decompression")


def test_refuted_and_resolved_conditions_are_no_hips():
    refuted = condition(CM, "M87.051") | {"verificationStatus": {"coding": [{"code": "refuted"}]}}
    resolved = condition(CM, "M16.12") | {"clinicalStatus": {"coding": [{"code": "resolved"}]}}
    assert hip_condition(refuted) is None
    assert hip_condition(resolved) is None


# 4. HbA1c in mmol/mol by its IFCC LOINC code, as UK laboratories report it.


def observation(code, value, unit):
    return {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": "2026-10-01T09:00:00Z",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {"value": value, "unit": unit, "code": unit},
    }


def test_hba1c_by_its_ifcc_code_in_mmol_mol_reaches_the_decision(cds):
    found = read(observations=bundle(observation("59261-8", 58, "mmol/mol")))
    assert found.observations == {"hba1c": {"value": 58, "unit": "mmol/mol"}}
    without = cds(osteoarthritis_left())[0]["detail"]
    (card,) = cds(
        osteoarthritis_left(), observations=bundle(observation("59261-8", 58, "mmol/mol"))
    )
    assert "Neither diabetes status nor HbA1c is recorded" in without
    assert "HbA1c" not in card["detail"]  # read, below JBDS-IP's 69 mmol/mol: met, not shown
    assert "not used: hba1c" not in card["detail"]


# 5. A dm+d-coded clopidogrel is an antiplatelet, however the EHR sends it.


def medicine(**medication):
    return {"resourceType": "MedicationStatement", "status": "active"} | medication


CLOPIDOGREL_VTM = {"system": SNOMED, "code": "108979001", "display": "Clopidogrel"}
CLOPIDOGREL = {"name": "Clopidogrel", "class": "antiplatelet", "atc": "B01AC04"}


@pytest.mark.parametrize("system", [SNOMED, DMD])
def test_a_dmd_clopidogrel_in_place_is_an_antiplatelet(system):
    coding = CLOPIDOGREL_VTM | {"system": system}
    found = read(medications=bundle(medicine(medicationCodeableConcept={"coding": [coding]})))
    assert (found.medications, found.unclassified_medicines) == ([CLOPIDOGREL], [])


def test_a_clopidogrel_in_a_contained_medication_is_read():
    # UK Core: the statement references a Medication that carries the dm+d code.
    statement = medicine(
        medicationReference={"reference": "#med"},
        contained=[
            {"resourceType": "Medication", "id": "med", "code": {"coding": [CLOPIDOGREL_VTM]}}
        ],
    )
    found = read(medications=bundle(statement))
    assert (found.medications, found.unclassified_medicines) == ([CLOPIDOGREL], [])


def test_a_clopidogrel_in_a_medication_of_the_same_bundle_is_read(cds):
    medication = {"resourceType": "Medication", "id": "m1", "code": {"coding": [CLOPIDOGREL_VTM]}}
    statement = medicine(medicationReference={"reference": "Medication/m1"})
    found = read(medications=bundle(statement, medication))
    assert (found.medications, found.unclassified_medicines) == ([CLOPIDOGREL], [])
    (card,) = cds(osteoarthritis_left(), medications=bundle(statement, medication))
    assert "medicine not coded" not in card["detail"]


def test_a_medication_coxa_cannot_reach_stays_not_coded_never_dropped():
    statement = medicine(medicationReference={"reference": "Medication/elsewhere", "display": "X"})
    found = read(medications=bundle(statement))
    assert found.medications == [{"name": "X", "class": "other"}]
    assert found.unclassified_medicines == ["X"]


# 6. An allergy's clinical and verification status.


def allergy(clinical=None, verification=None, code="33396006", text="Nickel", system=True):
    def status(kind, value):
        url = f"http://terminology.hl7.org/CodeSystem/allergyintolerance-{kind}"
        return {"coding": [{"code": value} | ({"system": url} if system else {})]}

    return (
        {
            "resourceType": "AllergyIntolerance",
            "code": {"text": text, "coding": [{"system": SNOMED, "code": code}]},
        }
        | ({"clinicalStatus": status("clinical", clinical)} if clinical else {})
        | ({"verificationStatus": status("verification", verification)} if verification else {})
    )


@pytest.mark.parametrize(
    ("given", "status"),
    [
        (allergy("active", "confirmed"), "active"),
        (allergy(), "active"),  # nothing said: as recorded
        (allergy("inactive", "refuted"), "refuted"),
        (allergy("active", "refuted", system=False), "refuted"),  # the code without its system
        (allergy("inactive", "confirmed"), "inactive"),
        (allergy("resolved"), "inactive"),
        (allergy("active", "unconfirmed"), "unconfirmed"),
        (allergy("inactive", "unconfirmed"), "inactive"),
    ],
)
def test_allergies_are_read_with_their_status(given, status):
    found = read(allergies=bundle(given))
    assert found.allergies == [{"substance": "Nickel", "status": status, "code": "33396006"}]


def test_an_allergy_entered_in_error_is_left_out():
    assert read(allergies=bundle(allergy("active", "entered-in-error"))).allergies == []


def _metal_finding(cds, *allergies):
    (card,) = cds(osteoarthritis_left(), allergies=bundle(*allergies))
    lines = [line for line in card["detail"].splitlines() if "metal" in line.lower()]
    return card["summary"], "\n".join(lines)


def test_a_refuted_inactive_nickel_allergy_does_not_rule_resurfacing_out(cds):
    summary, finding = _metal_finding(cds, allergy("inactive", "refuted"))
    assert "not suitable" not in summary
    assert "Known sensitivity" not in finding


@pytest.mark.parametrize(
    ("clinical", "verification"), [("active", "unconfirmed"), ("inactive", "confirmed")]
)
def test_an_unconfirmed_or_inactive_nickel_allergy_is_to_be_confirmed(cds, clinical, verification):
    summary, finding = _metal_finding(cds, allergy(clinical, verification))
    assert "not suitable" not in summary
    assert "*unknown*: A metal allergy recorded as not current or not confirmed" in finding


def test_an_active_confirmed_nickel_allergy_rules_resurfacing_out(cds):
    summary, finding = _metal_finding(cds, allergy("active", "confirmed"))
    assert summary.startswith("Left hip: BHR not suitable")
    assert "*contraindicated*: Known sensitivity to nickel" in finding
