"""What every worklist shares: a page, a count that stops at the cap, one audit record."""

import pytest

from coxa.core import audit, worklists
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.core.worklists import page_of, record_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def five():
    for n in range(5):
        audit.record(actor=None, action="job.run", object_type="job", summary=f"run {n}")
    return AuditEvent.objects.filter(action="job.run").order_by("id")


def test_a_page_holds_its_rows_and_knows_whether_more_follow(five):
    first = page_of(five, PageRequest(number=1, size=2), lambda e: e.summary)
    last = page_of(five, PageRequest(number=3, size=2), lambda e: e.summary)
    assert (first.rows, first.count, first.has_next, first.capped) == (
        ["run 0", "run 1"],
        5,
        True,
        False,
    )
    assert (last.rows, last.has_next) == (["run 4"], False)


def test_counting_stops_past_the_cap_and_paging_goes_on_beyond_it(five, monkeypatch):
    monkeypatch.setattr(worklists, "COUNT_CAP", 2)
    page = page_of(five, PageRequest(number=2, size=2), lambda e: e.summary)
    assert (page.count, page.capped) == (3, True)
    assert page.has_next  # the count stopped, the list did not
    assert page_of(five, PageRequest(number=3, size=2), lambda e: e.summary).rows == ["run 4"]


def test_a_page_that_ends_the_list_counts_without_asking_again(five, django_assert_num_queries):
    with django_assert_num_queries(1):
        whole = page_of(five, PageRequest(number=1, size=5), lambda e: e.summary)
    with django_assert_num_queries(1):
        last = page_of(five, PageRequest(number=3, size=2), lambda e: e.summary)
    assert (whole.count, whole.has_next, last.count, last.has_next) == (5, False, 5, False)
    with django_assert_num_queries(1):
        empty = page_of(
            five.filter(summary="none such"), PageRequest(number=1, size=5), lambda e: e.summary
        )
    assert (empty.count, empty.rows) == (0, [])


def test_a_page_past_the_end_or_short_of_it_asks_for_the_count(five, django_assert_num_queries):
    with django_assert_num_queries(2):
        beyond = page_of(five, PageRequest(number=4, size=2), lambda e: e.summary)
    assert (beyond.rows, beyond.count) == ([], 5)
    with django_assert_num_queries(2):
        first = page_of(five, PageRequest(number=1, size=4), lambda e: e.summary)
    assert (first.count, first.has_next) == (5, True)


def test_a_last_page_beyond_the_cap_says_capped(five, monkeypatch):
    monkeypatch.setattr(worklists, "COUNT_CAP", 2)
    last = page_of(five, PageRequest(number=3, size=2), lambda e: e.summary)
    assert (last.count, last.capped) == (3, True)


def test_a_read_is_one_record_naming_each_row_once(nurse):
    record_read(
        actor=nurse,
        worklist="test",
        summary="Test worklist (2 shown)",
        via=audit.Via.API,
        shown=["b", "a", "b"],
        filters={"flag": "missing", "state": ""},
    )
    found = AuditEvent.objects.get(action="worklist.test.list")
    assert (found.object_type, found.via, found.actor_username) == (
        "worklist",
        "api",
        nurse.username,
    )
    assert found.details == {"filters": {"flag": "missing"}, "shown": ["b", "a"]}


@pytest.fixture
def mixed(nurse, surgeon):
    """Twelve records of three actions, some by nobody (a NULL in the ordering), shuffled."""
    actors = (None, nurse, surgeon, None)
    for n in (7, 2, 11, 0, 5, 9, 1, 4, 10, 3, 8, 6):
        audit.record(
            actor=actors[n % 4], action=f"job.{'abc'[n % 3]}", object_type="job", summary=str(n)
        )
    return AuditEvent.objects.filter(action__startswith="job.").order_by("actor_id", "id")


@pytest.mark.parametrize("size", [1, 2, 5, 12])
def test_a_split_list_reads_the_same_pages_in_the_same_order(mixed, size):
    split = ("action", ("job.a", "job.b", "job.c"))
    for number in range(1, 14 // size + 2):
        page = PageRequest(number=number, size=size)
        whole = page_of(mixed, page, lambda e: e.summary)
        parts = page_of(mixed, page, lambda e: e.summary, split=split)
        assert (parts.rows, parts.count, parts.has_next) == (
            whole.rows,
            whole.count,
            whole.has_next,
        ), (size, number)
    assert page_of(mixed, PageRequest(number=1, size=12), str, split=split).count == 12


def test_a_split_list_reads_deep_pages_whole_in_the_same_order(mixed, monkeypatch):
    monkeypatch.setattr(worklists, "SPLIT_UP_TO", 2)  # pages past the third row: not split
    split = ("action", ("job.a", "job.b", "job.c"))
    for number in range(1, 8):
        page = PageRequest(number=number, size=2)
        whole = page_of(mixed, page, lambda e: e.summary)
        assert page_of(mixed, page, lambda e: e.summary, split=split).rows == whole.rows


def test_a_split_list_leaves_out_values_not_named_and_asks_one_query_a_part(
    mixed, django_assert_num_queries
):
    # One a part (its sort keys and ids), and one for the page's rows, read whole.
    with django_assert_num_queries(3):
        page = page_of(
            mixed,
            PageRequest(number=1, size=12),
            lambda e: e.action,
            split=("action", ("job.a", "job.c")),
        )
    assert sorted(set(page.rows)) == ["job.a", "job.c"]
    assert page.count == 8


def test_a_split_list_must_be_ordered_by_plain_ascending_fields(mixed):
    with pytest.raises(ValueError, match="plain ascending"):
        page_of(mixed.order_by("-id"), PageRequest(number=1, size=2), str, split=("action", ()))


def test_a_count_kept_by_version_is_asked_once_a_version(five, django_assert_num_queries):
    from coxa.core import versions

    rows = five.filter(summary__startswith="run")
    assert worklists.capped_count(rows, by_version=True) == 5
    with django_assert_num_queries(1):  # the version only: the count is kept
        assert worklists.capped_count(rows, by_version=True) == 5
    audit.record(actor=None, action="job.run", object_type="job", summary="run 5")
    # A read's record moves nothing: a count kept by version must only be asked of lists
    # whose records change through services (their change moves the version).
    assert worklists.capped_count(rows, by_version=True) == 5
    assert worklists.capped_count(rows) == 6  # not kept: counted each time
    versions.count_change()
    assert worklists.capped_count(rows, by_version=True) == 6
    assert worklists.capped_count(rows.filter(summary="run 0"), by_version=True) == 1
