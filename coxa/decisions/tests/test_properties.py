"""Properties of the engine that must hold for any facts (Hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import InvalidInput
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate

READINESS_RANK = {"ready": 0, "insufficient-data": 1, "optimise": 2}
CATALOGUE = get_catalogue()


def decide(document):
    facts = read_document(document, procedure_codes=tuple(CATALOGUE.procedures))
    return evaluate(facts, CATALOGUE)


def quantity(unit, low, high):
    return st.floats(low, high, allow_nan=False).map(lambda v: {"value": round(v, 1), "unit": unit})


documents = st.fixed_dictionaries(
    {
        "procedure": st.sampled_from(["bhr", "core-decompression", "total-hip-replacement"]),
        "patient": st.fixed_dictionaries(
            {
                "sex": st.sampled_from(["male", "female", "other", "unknown"]),
                "age_years": st.integers(18, 90),
                "diabetes": st.booleans(),
                "coronary_stent_or_recent_acs": st.booleans(),
            }
        ),
        "hip": st.fixed_dictionaries(
            {
                "diagnosis": st.sampled_from(
                    [
                        "osteoarthritis",
                        "inflammatory-arthritis",
                        "avascular-necrosis",
                        "dysplasia",
                        "other",
                    ]
                ),
                "avn_staging": st.fixed_dictionaries(
                    {
                        "system": st.just("arco-2019"),
                        "stage": st.sampled_from(["I", "II", "IIIA", "IIIB", "IV"]),
                    }
                ),
                "head_collapse": st.booleans(),
                "kerboul_angle_deg": st.integers(0, 360),
                "templated_head_size_mm": st.integers(38, 60),
                "acetabular_bone_stock": st.sampled_from(["adequate", "inadequate"]),
            }
        ),
        "observations": st.fixed_dictionaries(
            {
                "bmi": quantity("kg/m2", 16, 60),
                "systolic_bp": quantity("mm[Hg]", 120, 230),
                "diastolic_bp": quantity("mm[Hg]", 50, 115),
                "haemoglobin": quantity("g/L", 80, 180),
                "hba1c": quantity("mmol/mol", 30, 110),
                "egfr": quantity("mL/min/{1.73_m2}", 20, 120),
            }
        ),
        "smoking": st.sampled_from(["never", "former", "current"]),
        "activity": st.fixed_dictionaries({"ucla": st.integers(1, 10)}),
        "medications": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["aspirin", "naproxen", "warfarin", "prednisolone"]),
                    "class": st.sampled_from(
                        ["antiplatelet", "nsaid", "anticoagulant", "corticosteroid"]
                    ),
                }
            ),
            max_size=3,
        ),
        "allergies": st.lists(st.sampled_from(["penicillin", "cobalt", "latex"]), max_size=2),
    }
)

# How to make each measurement worse: raise it, or (haemoglobin, eGFR) lower it.
WORSE = {"bmi": 1, "systolic_bp": 1, "diastolic_bp": 1, "haemoglobin": -1, "hba1c": 1, "egfr": -1}


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from(sorted(WORSE)), st.floats(0.1, 40))
def test_worsening_a_measurement_never_improves_readiness(document, code, step):
    before = decide(document)
    worse = dict(document, observations=dict(document["observations"]))
    value = worse["observations"][code]["value"] + WORSE[code] * step
    worse["observations"][code] = {**worse["observations"][code], "value": round(value, 1)}
    try:
        after = decide(worse)
    except InvalidInput:
        return  # pushed beyond the plausible range: refused, not evaluated
    assert READINESS_RANK[after.readiness] >= READINESS_RANK[before.readiness]


FACT_PATHS = (
    [("patient", k) for k in ("sex", "age_years", "diabetes", "coronary_stent_or_recent_acs")]
    + [
        ("hip", k)
        for k in (
            "diagnosis",
            "avn_staging",
            "head_collapse",
            "kerboul_angle_deg",
            "templated_head_size_mm",
            "acetabular_bone_stock",
        )
    ]
    + [("observations", k) for k in WORSE]
    + [(None, k) for k in ("smoking", "medications", "allergies")]
)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from(FACT_PATHS))
def test_removing_a_fact_never_produces_indicated_or_ready(document, path):
    before = decide(document)
    section, key = path
    reduced = {k: (dict(v) if isinstance(v, dict) else v) for k, v in document.items()}
    (reduced if section is None else reduced[section]).pop(key)
    after = decide(reduced)
    if after.candidacy == "indicated":
        assert before.candidacy == "indicated"
    # One deliberate exception: HbA1c is required only for people with diabetes (JBDS-IP), so
    # dropping it for someone recorded as not diabetic can leave them ready.
    optional = path == ("observations", "hba1c") and document["patient"]["diabetes"] is False
    if after.readiness == "ready" and not optional:
        assert before.readiness == "ready"


@settings(max_examples=100, deadline=None)
@given(documents)
def test_the_same_facts_give_the_same_decision(document):
    assert decide(document).as_dict(CATALOGUE) == decide(document).as_dict(CATALOGUE)


@settings(max_examples=100, deadline=None)
@given(documents)
def test_units_do_not_change_the_decision(document):
    grams_per_litre = document["observations"]["haemoglobin"]["value"]
    per_decilitre = dict(document, observations=dict(document["observations"]))
    per_decilitre["observations"]["haemoglobin"] = {"value": grams_per_litre / 10, "unit": "g/dL"}
    assert decide(per_decilitre).readiness == decide(document).readiness


def test_an_empty_document_is_never_indicated_or_ready():
    for procedure in CATALOGUE.procedures:
        decision = decide({"procedure": procedure})
        assert decision.candidacy == "insufficient-data"
        assert decision.readiness == "insufficient-data"


@pytest.mark.parametrize("procedure", ["bhr", "core-decompression"])
def test_contraindication_offers_the_fallback(procedure):
    document = {
        "procedure": procedure,
        "patient": {"sex": "female"},
        "hip": {"diagnosis": "osteoarthritis"},
    }
    assert [a.procedure for a in decide(document).alternatives] == ["total-hip-replacement"]
