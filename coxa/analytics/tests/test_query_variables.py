"""The registry's reads pass no parameter per hip (issue 20).

They passed one ``IN`` parameter per operated hip, so SQLite built with its limit of 32,766
variables refused a registry that large ("too many SQL variables"). Here the limit is
lowered to a few dozen on this connection, below the hips, and every read still answers.
"""

import contextlib
import datetime as dt
import sqlite3

import pytest
from django.db import connection
from django.db.utils import OperationalError

from coxa.analytics.selectors import outcome_figures, registry_rows
from coxa.analytics.tests.test_records import operated
from coxa.conftest import details
from coxa.core.audit import Via
from coxa.pathways.models import Episode
from coxa.patients import services as patients

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's variable limit"),
]
LIMIT = 30  # variables in one statement; each read below used one per hip, and more
PATIENTS = 18  # two hips each, beside the four of ``hips``
HIPS = 2 * PATIENTS + 4


@pytest.fixture
def many_hips(hips, surgeon, nurse):
    for i in range(PATIENTS):
        patient = patients.register_patient(
            details=details(given_name=f"Pat{i}", nhs_number="", hospital_number=f"H2{i:05d}"),
            by=nurse,
            via=Via.WEB,
        )
        for side in ("left", "right"):
            operated(patient, surgeon, side=side, procedure="bhr", on=dt.date(2021, 5, 1 + i))


@contextlib.contextmanager
def few_variables():
    """At most ``LIMIT`` variables in one statement on this connection, for the block."""
    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, LIMIT)
    try:
        yield
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def _table(rows):
    return sorted(zip(*rows.values(), strict=True))


def test_the_registry_reads_more_hips_than_a_statement_may_name(many_hips, analyst):
    close = dt.date(2024, 1, 1)
    # Limited first: SQLite checks the limit when it prepares a statement, and Python's
    # sqlite3 keeps statements prepared, so a statement run before would pass unchecked.
    with few_variables():
        with pytest.raises(OperationalError, match="too many SQL variables"):
            list(Episode.objects.filter(pk__in=range(LIMIT + 1)))  # the limit holds here
        limited, _ = registry_rows(analyst, close_on=close)
        figures = outcome_figures(analyst, close_on=close)
    unlimited, _ = registry_rows(analyst, close_on=close)
    assert len(unlimited["hip_id"]) == HIPS > LIMIT
    assert _table(limited) == _table(unlimited)  # the same rows
    assert figures == outcome_figures(analyst, close_on=close)
    assert sum(r.operated for r in figures.complications if r.window.days == 365) == HIPS


def test_a_hip_converted_from_a_procedure_no_longer_in_the_catalogue_is_judged_by_its_note(
    hips, surgeon, bert
):
    """The implants of a retired procedure's signed note are read by its code, not by ids."""
    left = Episode.objects.get(patient=bert, side="left", procedure="bhr")
    replacement = Episode.objects.get(converted_from=left)
    operated(
        bert,
        surgeon,
        side="left",
        procedure="total-hip-replacement",
        on=dt.date(2022, 4, 1),
        episode=replacement,
    )
    close = dt.date(2024, 1, 1)
    before = sorted(registry_rows(None, close_on=close)[0]["procedure"])
    assert before == ["bhr", "core-decompression", "core-decompression", "total-hip-replacement"]
    # Retire both procedures converted from: the BHR's note recorded implants (its new hip is
    # still its revision), the core decompression's none (its hip replacement, a primary).
    Episode.objects.filter(pk=left.pk).update(procedure="retired-resurfacing")
    Episode.objects.filter(patient=bert, procedure="core-decompression").update(
        procedure="retired-decompression"
    )
    with few_variables():
        after = sorted(registry_rows(None, close_on=close)[0]["procedure"])
    assert after == [
        "core-decompression",  # Ada's
        "retired-decompression",
        "retired-resurfacing",
        "total-hip-replacement",  # after the decompression: a primary
    ]
