"""An interrupted `coxa demo` is finished by running it again; a finished one is left alone."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from coxa.analytics.extract import read_extract
from coxa.core.models import AuditEvent
from coxa.demo import loading, services
from coxa.demo.management.commands.demo import DEMO_EXTRACT, DEMO_EXTRACT_HIPS
from coxa.pathways.models import Episode
from coxa.patients.models import Patient

PATIENTS = "8"


def demo(*args):
    out = StringIO()
    call_command("demo", "--patients", PATIENTS, *args, stdout=out)
    return out.getvalue()


def loaded():
    """What a load leaves: patients, and episodes by state and by procedure."""
    return (
        Patient.objects.filter(hospital_number__startswith="D").count(),
        Counter(Episode.objects.values_list("state", flat=True)),
        Counter(Episode.objects.values_list("procedure", flat=True)),
    )


def uninterrupted():
    """The result of one whole load, then undone (a savepoint in the test's transaction)."""
    point = transaction.savepoint()
    demo()
    whole = loaded()
    transaction.savepoint_rollback(point)
    assert not Patient.objects.exists()
    return whole


def crash_on(monkeypatch, target, name, call):
    """Make ``target.name`` raise on its ``call``-th call, after doing its work."""
    real, calls = getattr(target, name), []

    def crashing(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == call:
            raise RuntimeError("the machine went off")
        return result

    monkeypatch.setattr(target, name, crashing)


@pytest.fixture
def extracts(tmp_path):
    with override_settings(DEBUG=True, ANALYTICS_EXTRACTS_DIR=tmp_path):
        yield tmp_path


@pytest.mark.django_db
def test_a_load_interrupted_inside_a_patient_is_finished_by_running_it_again(extracts, monkeypatch):
    whole = uninterrupted()
    crash_on(monkeypatch, services, "_play_episode", 7)
    with pytest.raises(RuntimeError, match="went off"):
        demo()
    monkeypatch.undo()
    partial = Patient.objects.filter(hospital_number__startswith="D").count()
    assert 0 < partial < int(PATIENTS)  # each patient whole or absent
    assert not loading.is_loaded()
    said = demo()
    assert f"{partial} demo patients were already there" in said
    assert loaded() == whole
    assert loading.is_loaded()


@pytest.mark.django_db
def test_a_load_interrupted_in_the_nightly_check_is_finished_too(extracts, monkeypatch):
    whole = uninterrupted()
    crash_on(monkeypatch, services, "refresh_all", 1)
    with pytest.raises(RuntimeError):
        demo()
    monkeypatch.undo()
    assert not loading.is_loaded()
    demo()
    assert loaded() == whole
    assert AuditEvent.objects.filter(action=loading.MARK).count() == 1


@pytest.mark.django_db
def test_running_it_on_a_loaded_database_changes_nothing(extracts):
    demo()
    whole, events = loaded(), AuditEvent.objects.filter(action__startswith="patient.").count()
    said = demo()
    assert "already loaded" in said
    assert "Demo logins" in said
    assert loaded() == whole
    assert AuditEvent.objects.filter(action__startswith="patient.").count() == events


@pytest.mark.django_db
def test_an_empty_or_cut_short_demo_extract_is_written_again(extracts):
    path = extracts / DEMO_EXTRACT
    path.touch()
    demo()
    assert len(read_extract(path)) == DEMO_EXTRACT_HIPS
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    demo()
    assert len(read_extract(path)) == DEMO_EXTRACT_HIPS
    stamp = path.stat().st_mtime_ns
    demo()
    assert path.stat().st_mtime_ns == stamp  # a whole extract is left alone
