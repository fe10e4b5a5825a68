"""Golden cases (tests/cases/*.yaml): facts in, verdicts and rule outcomes out."""

import copy
from pathlib import Path

import pytest
import yaml

from coxa.catalogue.loader import get_catalogue
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.rules import ALL_RULES

CASES = Path(__file__).parent / "cases"


def merged(base, change):
    result = copy.deepcopy(base)
    for key, value in (change or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        elif value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def load_cases():
    for path in sorted(CASES.glob("*.yaml")):
        content = yaml.safe_load(path.read_text())
        for case in content["cases"]:
            document = merged(content["bases"][case["base"]], case.get("change"))
            yield pytest.param(document, case["expect"], id=f"{path.stem}: {case['name']}")


def run(document):
    catalogue = get_catalogue()
    facts = read_document(
        document,
        procedure_codes=tuple(catalogue.procedures),
        medicine_classes=catalogue.medicine_classes(),
    )
    return evaluate(facts, catalogue).as_dict(catalogue)


@pytest.mark.parametrize(("document", "expect"), list(load_cases()))
def test_golden_case(document, expect):
    decision = run(document)
    for verdict in ("candidacy", "readiness"):
        if verdict in expect:
            assert decision[verdict] == expect[verdict], decision["findings"]
    outcomes = {f["rule_id"]: f["outcome"] for f in decision["findings"]}
    for rule_id, outcome in expect.get("rules", {}).items():
        assert outcomes[rule_id] == outcome, f"{rule_id}: {outcomes[rule_id]}"
    if "alternatives" in expect:
        assert [a["procedure"] for a in decision["alternatives"]] == expect["alternatives"]
    actions = {a["code"]: a for a in decision["actions"]}
    for item in expect.get("actions", []):
        wanted = item if isinstance(item, dict) else {"code": item}
        assert wanted["code"] in actions, list(actions)
        if "due_on" in wanted:
            assert actions[wanted["code"]]["due_on"] == wanted["due_on"]
    for unwanted in expect.get("no_actions", []):
        assert unwanted not in actions
    stops = {s["medication"]: s for s in decision["medication_stops"]}
    for name, wanted in expect.get("stops", {}).items():
        assert {k: stops[name][k] for k in wanted} == wanted, stops[name]


def test_every_rule_has_golden_cases():
    named = set()
    for path in CASES.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text())["cases"]:
            named |= set(case["expect"].get("rules", {}))
    assert {r.id for r in ALL_RULES} <= named
