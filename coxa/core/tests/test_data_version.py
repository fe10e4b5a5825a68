"""The data's version moves with every service's change and with nothing else (ADR 0028, H84)."""

import pytest

from coxa.core import audit
from coxa.core.models import DataVersion
from coxa.core.versions import data_version

pytestmark = pytest.mark.django_db


def _record(action: str = "patient.update") -> None:
    audit.record(actor=None, action=action, object_type="patient", summary="test")


def test_a_transaction_that_records_a_change_moves_it_once():
    before = data_version()
    with audit.atomic():
        _record()
        _record()
    assert data_version() == before + 1


def test_a_read_recorded_outside_a_transaction_does_not_move_it():
    before = data_version()
    _record("patient.view")
    assert data_version() == before


def test_a_transaction_that_records_nothing_does_not_move_it():
    before = data_version()
    with audit.atomic():
        pass
    assert data_version() == before


def test_a_transaction_that_fails_does_not_move_it():
    before = data_version()

    def refused() -> None:
        with audit.atomic():
            _record()
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert data_version() == before


def test_a_database_without_its_row_starts_counting():
    DataVersion.objects.all().delete()
    assert data_version() == 0
    with audit.atomic():
        _record()
    assert data_version() == 1


def test_a_cache_per_host_on_postgresql_is_warned_of():
    from coxa.core.checks import cache_problems

    postgres, sqlite = "django.db.backends.postgresql", "django.db.backends.sqlite3"
    files = "django.core.cache.backends.filebased.FileBasedCache"
    redis = "django.core.cache.backends.redis.RedisCache"
    assert [w.id for w in cache_problems(postgres, files)] == ["coxa.W003"]
    assert cache_problems(postgres, redis) == []
    assert cache_problems(sqlite, files) == []  # one host


def test_the_cache_key_names_the_database_as_well_as_its_version():
    """A database made again counts from 0 again: a kept cache must not take it for the old."""
    from coxa.core.versions import data_key

    first = data_key()
    assert data_key() == first  # a read moves nothing
    with audit.atomic():
        _record()
    moved = data_key()
    assert moved != first
    assert moved.split("-")[0] == first.split("-")[0]
    DataVersion.objects.all().delete()  # the database made again
    again = data_key()
    assert again.endswith("-0")
    assert again.split("-")[0] != first.split("-")[0]
    assert data_key() == again


def test_held_reads_the_key_once_for_a_page_of_counts(django_assert_num_queries):
    from coxa.core import versions

    versions.data_key()  # the row exists
    with django_assert_num_queries(1), versions.held():
        first = versions.data_key()
        assert [versions.data_key() for _ in range(5)] == [first] * 5
    with audit.atomic():
        _record()
    # Outside, each read is the version now; a new hold reads it again.
    assert versions.data_key() != first
    with versions.held():
        assert versions.data_key() == versions.data_key() != first
