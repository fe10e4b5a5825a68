"""The whole API fuzzed from its OpenAPI, as a surgeon, a nurse, an analyst and a patient.

A bounded run: a fixed seed and a few examples per operation and role, so that it is the
same every time and takes about a minute on SQLite. ``make fuzz`` runs it with more.
"""

import sys

import pytest

from tests.contract.conftest import token
from tests.contract.fuzzing import Tally, examples, fuzz

pytestmark = [pytest.mark.contract, pytest.mark.django_db]


def test_no_operation_answers_5xx_or_an_error_out_of_shape(
    hips, surgeon, nurse, analyst, ada_user, capsys
):
    tally = Tally()
    tokens = {
        "surgeon": token(surgeon),
        "nurse": token(nurse),
        "analyst": token(analyst),
        "patient": token(ada_user),
    }
    fuzz(tokens=tokens, path_ids=hips, per_operation=examples(2), tally=tally)
    with capsys.disabled():
        sys.stdout.write(f"\nAPI fuzz: {tally.summary()}\n")
    assert tally.statuses[200] + tally.statuses[201] > 0  # cases reached the code
    assert tally.problems == {}, tally.summary()
