"""The one table of codes: each known once, with its source, and read as Coxa means it."""

import subprocess
import sys
from typing import get_args

import pytest

from coxa.terminology.codes import (
    CODES,
    DRUG_CLASSES,
    SOURCES,
    System,
    Use,
    code_for,
    drug_class_of,
    find,
    is_atc_substance,
    meaning,
)
from coxa.terminology.units import OBSERVATION_CODES, ObservationCode


def test_each_code_is_listed_once_for_each_use_with_a_known_source():
    # A code may be read in two ways (ICD-10-CM M16.11: a hip condition, and "right").
    keys = [(c.system, c.code, c.use) for c in CODES]
    assert len(keys) == len(set(keys))
    assert {c.source for c in CODES} <= set(SOURCES)
    assert all(c.display and c.means for c in CODES)


def test_each_code_means_a_value_coxa_has():
    for c in CODES:
        if c.use is Use.OBSERVATION:
            assert c.means in OBSERVATION_CODES, c
        elif c.use is Use.DRUG_CLASS:
            assert c.means in set(DRUG_CLASSES) - {"other"}, c
        elif c.use is Use.LATERALITY:
            assert c.means in ("left", "right", "both"), c
        elif c.use is Use.HIP_SITE:
            assert c.means in ("hip", "left", "right"), c
    assert get_args(ObservationCode) == OBSERVATION_CODES


@pytest.mark.parametrize(
    ("system", "code", "use", "expected"),
    [
        (System.SNOMED_CT, "239872002", Use.CONDITION, "osteoarthritis"),
        # osteonecrosis can be of any bone: WHO's M87 is a hip's only with a hip body site
        ("http://hl7.org/fhir/sid/icd-10", "M87.0", Use.CONDITION, None),
        ("http://hl7.org/fhir/sid/icd-10", "M87.0", Use.BONE_CONDITION, "avascular-necrosis"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "m87.051", Use.CONDITION, "avascular-necrosis"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.051", Use.LATERALITY, "right"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.256", Use.CONDITION, "avascular-necrosis"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.256", Use.LATERALITY, None),  # unspecified
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.050", Use.CONDITION, None),  # the pelvis
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.050", Use.BONE_CONDITION, None),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.011", Use.BONE_CONDITION, None),  # shoulder
        ("http://hl7.org/fhir/sid/icd-10-cm", "M87.9", Use.BONE_CONDITION, "avascular-necrosis"),
        # coxarthrosis is a hip's by its code; WHO's bilateral subcodes give both sides
        ("http://hl7.org/fhir/sid/icd-10", "M16.1", Use.CONDITION, "osteoarthritis"),
        ("http://hl7.org/fhir/sid/icd-10", "M16.1", Use.LATERALITY, None),
        ("http://hl7.org/fhir/sid/icd-10", "M16.0", Use.LATERALITY, "both"),
        ("http://hl7.org/fhir/sid/icd-10", "M16.3", Use.CONDITION, "dysplasia"),
        ("http://hl7.org/fhir/sid/icd-10", "M16.7", Use.CONDITION, "other"),
        ("http://hl7.org/fhir/sid/icd-10", "M16.5", Use.CONDITION, "osteoarthritis"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M16.12", Use.LATERALITY, "left"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M16.31", Use.CONDITION, "dysplasia"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M16.10", Use.LATERALITY, None),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M17.11", Use.CONDITION, None),  # a knee
        ("http://snomed.info/sct", "24136001", Use.HIP_SITE, "hip"),
        ("http://snomed.info/sct", "287579007", Use.HIP_SITE, "right"),
        ("http://snomed.info/sct", "24028007", Use.HIP_SITE, None),  # "right" is no hip
        ("http://snomed.info/sct", "51440002", Use.LATERALITY, "both"),
        ("http://loinc.org", "718-7", Use.OBSERVATION, "haemoglobin"),
        ("http://loinc.org", "85354-9", Use.PANEL, "blood-pressure"),
        ("http://loinc.org", "85354-9", Use.OBSERVATION, None),  # a panel has no one value
        ("http://snomed.info/sct", "7771000", Use.CONDITION, None),  # "left" is no diagnosis
        ("http://loinc.org", "239872002", Use.CONDITION, None),  # right code, wrong system
        ("http://snomed.info/sct", "M87", Use.CONDITION, None),  # groups are their system's
        ("urn:example", "39156-5", Use.OBSERVATION, None),
        ("None", "None", Use.CONDITION, None),
    ],
)
def test_codes_are_read_only_as_the_table_says(system, code, use, expected):
    assert meaning(system, code, use) == expected


@pytest.mark.parametrize(
    ("atc", "expected"),
    [
        ("B01AC06", "antiplatelet"),
        ("b01af01", "doac"),
        ("B01AE07", "doac"),  # dabigatran: the only oral thrombin inhibitor
        ("B01AE03", "anticoagulant"),  # argatroban: injected
        ("B01AA03", "vitamin-k-antagonist"),
        ("B01AB05", "heparin"),
        ("L04AB04", "biologic"),  # the narrowest group wins over L04A
        ("A10BK01", "sglt2-inhibitor"),
        ("G03CA03", "oestrogen"),
        ("M01AE01", "nsaid"),
        ("H02AB06", "corticosteroid"),
        ("L04AX03", "immunosuppressant"),
        ("N02BE01", "other"),  # paracetamol: a code in no group listed
    ],
)
def test_a_medicine_class_comes_from_its_atc_group(atc, expected):
    assert drug_class_of(atc) == expected


def test_an_atc_substance_is_a_full_level_5_code():
    assert is_atc_substance("B01AC06")
    assert not is_atc_substance("B01AC")
    assert not is_atc_substance("b01ac06")


def test_the_code_coxa_writes_for_a_value():
    found = code_for(System.SNOMED_CT, Use.PROCEDURE, "total-hip-replacement")
    assert (found.code, found.display) == ("52734007", "Total replacement of hip")
    assert find(System.SNOMED_CT, "52734007", Use.PROCEDURE) is found


def test_terminology_imports_without_django():
    code = (
        "import coxa.terminology.codes, coxa.terminology.units, sys\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n"
        "assert not any(m.startswith('coxa.') and not m.startswith(('coxa.terminology', "
        "'coxa.core')) for m in sys.modules), sorted(sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
