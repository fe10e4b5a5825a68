"""The prefetch templates are bounded, keep to CDS Hooks 2.0's restrictions, and ask for what
the reader reads: no code, no status more and none less."""

import datetime as dt
from urllib.parse import parse_qsl

import pytest

from coxa.cds.domain.fhir import read_prefetch
from coxa.cds.domain.prefetch import (
    LISTS,
    MEDICATION_STATUSES,
    OBSERVATION_CODES,
    OBSERVATION_STATUSES,
    TEMPLATES,
    gather,
    lacking,
    observation_key,
    search_url,
)
from coxa.cds.tests.test_cds_hooks import REQUEST, bundle, observation
from coxa.terminology.codes import CODES, System, Use, meaning

TODAY = dt.date(2026, 11, 22)
# HL7 FHIR R4 value sets (observation-status, medication-statement-status).
OBSERVATION_STATUS_CODES = (
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
)
MEDICATION_STATEMENT_STATUS_CODES = (
    "active",
    "completed",
    "entered-in-error",
    "intended",
    "stopped",
    "on-hold",
    "unknown",
    "not-taken",
)


def _query(key: str) -> dict[str, str]:
    return dict(parse_qsl(TEMPLATES[key].partition("?")[2]))


def _read(**prefetch):
    return read_prefetch(REQUEST["prefetch"] | prefetch, today=TODAY)


def _codes_asked() -> set[str]:
    asked = set()
    for key in TEMPLATES:
        if key.startswith("observation-"):
            system, _, code = _query(key)["code"].partition("|")
            assert system == System.LOINC
            asked.add(code)
    return asked


def test_the_observation_templates_name_exactly_the_loinc_codes_the_reader_reads():
    table = {
        c.code for c in CODES if c.system is System.LOINC and c.use in (Use.OBSERVATION, Use.PANEL)
    }
    assert _codes_asked() == table == set(OBSERVATION_CODES)
    for code in sorted(table):
        if meaning(System.LOINC, code, Use.PANEL) == "blood-pressure":
            panel = observation(code, None, "mm[Hg]")
            panel["component"] = [
                {
                    "code": {"coding": [{"system": System.LOINC, "code": "8480-6"}]},
                    "valueQuantity": {"value": 120, "code": "mm[Hg]"},
                }
            ]
            assert _read(observations=bundle(panel)).observations, code
        else:
            read = _read(observations=bundle(observation(code, 1.0, "1")))
            assert set(read.observations) == {meaning(System.LOINC, code, Use.OBSERVATION)}
    # A code outside the table is neither asked for nor read (creatinine).
    assert "2160-0" not in _codes_asked()
    assert _read(observations=bundle(observation("2160-0", 80, "umol/L"))).observations == {}


def test_the_observation_templates_ask_for_exactly_the_statuses_the_reader_reads():
    for status in OBSERVATION_STATUS_CODES:
        reading = observation("39156-5", 30.0, "kg/m2") | {"status": status}
        read = bool(_read(observations=bundle(reading)).observations)
        assert read == (status in OBSERVATION_STATUSES), status
    for code in OBSERVATION_CODES:
        assert _query(observation_key(code))["status"] == ",".join(OBSERVATION_STATUSES)


def test_the_medicine_template_asks_for_exactly_the_statuses_the_reader_reads():
    for status in MEDICATION_STATEMENT_STATUS_CODES:
        medicine = {
            "resourceType": "MedicationStatement",
            "status": status,
            "medicationCodeableConcept": {"coding": [{"system": System.ATC, "code": "B01AC06"}]},
        }
        read = bool(_read(medications=bundle(medicine)).medications)
        assert read == (status in MEDICATION_STATUSES), status
    assert _query("medications")["status"] == ",".join(MEDICATION_STATUSES)


def test_every_search_is_bounded_and_keeps_to_the_prefetch_query_restrictions():
    allowed = {"patient", "code", "status", "_count", "_sort"}
    for key, template in TEMPLATES.items():
        if key == "patient":
            assert template == "Patient/{{context.patientId}}"
            continue
        query = _query(key)
        assert query["patient"] == "{{context.patientId}}", key
        assert set(query) <= allowed, key
        assert not any(":" in name for name in query), key  # no modifier
        assert 0 < int(query["_count"]) <= 200, key
        if key.startswith("observation-"):
            assert query["_sort"] == "-date", key  # the latest of each code
    assert set(LISTS) <= set(TEMPLATES)


def test_a_search_url_is_encoded_for_a_fhir_id_and_refuses_anything_else():
    url = search_url(TEMPLATES[observation_key("4548-4")], "pat-1.2")
    assert url.startswith("Observation?patient=pat-1.2&code=http%3A%2F%2Floinc.org%7C4548-4")
    assert search_url(TEMPLATES["patient"], "123") == "Patient/123"
    for hostile in ("../Patient", "1?_count=100000", "a b", "", "x" * 65):
        with pytest.raises(ValueError, match="not a FHIR id"):
            search_url(TEMPLATES["conditions"], hostile)


def test_what_the_prefetch_lacks_and_what_null_means():
    assert set(lacking({})) == set(TEMPLATES)
    outcome = {"resourceType": "OperationOutcome", "issue": []}
    missing = lacking({"patient": {}, "conditions": outcome, "medications": None})
    assert "conditions" in missing  # an OperationOutcome in its place: not satisfied
    assert "patient" not in missing
    assert "medications" not in missing  # null is an answer: the EHR has no data
    assert not any(k.startswith("observation-") for k in lacking({"observations": bundle()}))


def test_gathering_puts_every_observation_search_under_one_key_and_marks_cut_lists():
    cut = bundle({"resourceType": "MedicationStatement", "status": "active"})
    cut["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir?page=2"}]
    gathered = gather(
        {
            "patient": REQUEST["prefetch"]["patient"],
            "conditions": None,
            "medications": cut,
            observation_key("39156-5"): bundle(observation("39156-5", 31.0, "kg/m2")),
            observation_key("718-7"): observation("718-7", 13.1, "g/dL"),  # a lone resource
            observation_key("4548-4"): {"resourceType": "OperationOutcome"},
        }
    )
    assert gathered.prefetch["conditions"]["entry"] == []
    assert "medications" not in gathered.prefetch  # cut to a page: not known
    assert len(gathered.prefetch["observations"]["entry"]) == 2
    assert any("first page of medications" in note for note in gathered.notes)
    found = read_prefetch(gathered.prefetch, today=TODAY)
    assert set(found.observations) == {"bmi", "haemoglobin"}
    assert found.medications is None
