"""Reading decision documents: units refused (coxa/terminology), stages checked, fields named."""

import pytest

from coxa.core.errors import InvalidInput
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.staging import StagingSystem, read_stage

CODES = ("bhr", "core-decompression", "total-hip-replacement")


def problems(document):
    with pytest.raises(InvalidInput) as error:
        read_document(document, procedure_codes=CODES)
    return {(p.field, p.code) for p in error.value.problems}


def test_the_issues_bad_inputs_each_get_a_precise_error():
    found = problems(
        {
            "procedure": "knee",
            "hip": {"avn_staging": {"system": "ficat-arlet", "stage": "3b"}},
            "observations": {
                "bmi": {"value": -2, "unit": "kg/m2"},
                "haemoglobin": {"value": 20, "unit": "stone"},
            },
        }
    )
    assert found == {
        ("procedure", "unknown-procedure"),
        ("hip.avn_staging.stage", "unknown-stage"),
        ("observations.bmi.value", "implausible-value"),
        ("observations.haemoglobin.unit", "unknown-unit"),
    }


def test_shape_errors_name_the_field():
    found = problems(
        {
            "procedure": "bhr",
            "hip": {"side": "middle", "colour": "red"},
            "patient": {"age_years": -1},
        }
    )
    assert {f for f, _ in found} == {"hip.side", "hip.colour", "patient.age_years"}
    assert ("hip.colour", "unknown-field") in found


def test_systolic_must_exceed_diastolic():
    found = problems(
        {
            "procedure": "bhr",
            "observations": {
                "systolic_bp": {"value": 80, "unit": "mm[Hg]"},
                "diastolic_bp": {"value": 90, "unit": "mm[Hg]"},
            },
        }
    )
    assert found == {("observations.systolic_bp.value", "implausible-value")}


@pytest.mark.parametrize(
    ("system", "stage", "collapsed"),
    [
        (StagingSystem.ARCO_2019, "II", False),
        (StagingSystem.ARCO_2019, "IIIA", True),
        (StagingSystem.ARCO_2019, "iiia", True),
        (StagingSystem.FICAT_ARLET, "0", False),
        (StagingSystem.FICAT_ARLET, "II", False),
        (StagingSystem.FICAT_ARLET, "III", True),
        (StagingSystem.STEINBERG, "IIC", False),
        (StagingSystem.STEINBERG, "III", True),
        (StagingSystem.STEINBERG, "VI", True),
    ],
)
def test_stages_map_to_collapse(system, stage, collapsed):
    assert read_stage(system, stage).collapsed is collapsed


@pytest.mark.parametrize(
    ("system", "stage"),
    [
        (StagingSystem.FICAT_ARLET, "3b"),
        (StagingSystem.ARCO_2019, "III"),
        (StagingSystem.ARCO_2019, "0"),
        (StagingSystem.STEINBERG, "VIA"),
        (StagingSystem.STEINBERG, "2"),
    ],
)
def test_stages_a_system_does_not_have_are_refused(system, stage):
    assert read_stage(system, stage) is None


@pytest.mark.contract
def test_the_published_input_schema_is_current():
    import json
    from pathlib import Path

    from coxa.decisions.domain.document import document_json_schema

    committed = Path(__file__).resolve().parents[3] / "docs" / "decisions" / "input.schema.json"
    assert json.loads(committed.read_text()) == document_json_schema(), "run `make snapshots`"
