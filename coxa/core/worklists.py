"""What every worklist does the same way: a page of rows, a capped count, one audit record.

Which rows a worklist holds, in what order, and what they mean is its app's
(``assessment/worklist.py``, ``surgery/worklist.py``); this module has no clinical meaning.
A worklist reads stored, indexed columns only, so a page costs the same queries however many
hips there are (ADR 0018).
"""

import datetime as dt
import hashlib
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import caches
from django.db import connections
from django.db.models import Model, QuerySet

from coxa.core import audit, clock, versions
from coxa.core.pagination import PageRequest

# A list split by one column's values (``Split``): each part is read in order on its own.
Split = tuple[str, Sequence[object]]
# A split list's deep pages are read whole instead: each part would read every row before
# the page (at page 100 of 50 rows, 5,000 rows a part), where the database skips them.
SPLIT_UP_TO = 1000  # rows before the page
COUNT_CAP = 1000  # counting stops here: "1,000 or more" is all a team needs to know
PAGE_SIZE = 50  # rows on a worklist page

M = TypeVar("M", bound=Model)
R = TypeVar("R")


@dataclass(frozen=True)
class WorklistPage(Generic[R]):
    """One page of one list: its rows and how many the list holds, counted up to the cap."""

    rows: list[R]
    count: int  # at most COUNT_CAP + 1; see capped
    number: int
    size: int
    has_next: bool

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP


COUNT_SECONDS = 24 * 60 * 60  # a version's count stays true for as long as the version lasts


def capped_count(rows: QuerySet[Any], *, by_version: bool = False) -> int:
    """How many rows, counted up to COUNT_CAP + 1 (no ordering, no joins it does not need).

    ``by_version``: kept in the cache under the data's version and the query itself (its
    filters and their values: the actor's, today's date), as the home page's counts by state
    are (ADR 0028, H84): counting up to the cap reads up to a thousand rows of a list that
    changes only when a record does. Only for lists whose every input changes through a
    service (``audit.atomic`` moves the version); never for the audit log, sign-ins or
    anything a read or a library writes.
    """
    counted = rows.order_by().select_related(None)[: COUNT_CAP + 1]
    if not by_version:
        return counted.count()
    version = versions.data_key()  # read first: a change meanwhile is counted under a newer one
    sql, params = counted.query.sql_with_params()
    digest = hashlib.sha256(f"{counted.db}|{sql}|{params!r}".encode()).hexdigest()
    key = f"worklist-count:{version}:{digest}"
    kept = caches["counts"]
    found = kept.get(key)
    if found is None:
        found = counted.count()
        kept.set(key, found, COUNT_SECONDS)
    return int(found)


def cut_off(age: dt.timedelta) -> dt.datetime:
    """Now less ``age``, to the minute.

    A list filtered on it asks the same query for a minute, so its count kept by version is
    shared (``capped_count`` keys it by the query's values).
    """
    return (clock.now() - age).replace(second=0, microsecond=0)


def _order_fields(rows: QuerySet[Any]) -> list[str]:
    """The fields ``rows`` is ordered by, when all are plain ascending ones (a split's merge)."""
    fields = rows.query.order_by
    if not fields or not all(isinstance(f, str) and not f.startswith("-") for f in fields):
        raise ValueError(f"a split list needs plain ascending fields to merge by, not {fields}")
    return [str(f) for f in fields]


def _read(rows: QuerySet[M], start: int, size: int, split: Split | None) -> list[M]:
    """Rows ``start`` to ``start + size`` of the ordered list.

    Split, each value's part is read on its own, in order and up to where the page ends,
    then merged: a database orders rows matching one value by walking an index on (that
    column, the ordering), where rows matching several values must all be found and sorted
    first (both databases do; with 100,000 patients, the difference between 60 ms and 2).
    The parts are read as their sort keys and ids only; the page's rows are then read whole
    in one query, so that no row is made (nor its JSON decoded) only to be merged away.
    A NULL sorts first on SQLite and last on PostgreSQL, as each database orders it.
    """
    if split is None or start > SPLIT_UP_TO:
        return list(rows[start : start + size])
    column, values = split
    fields = _order_fields(rows)
    nulls_first = connections[rows.db].vendor == "sqlite"

    def key(found: tuple[Any, ...]) -> tuple[object, ...]:
        return tuple(((value is None) != nulls_first, value) for value in found[:-1])

    parts = [
        list(rows.filter(**{column: value}).values_list(*fields, "pk")[: start + size])
        for value in values
    ]
    chosen = [found[-1] for found in heapq.merge(*parts, key=key)][start : start + size]
    if not chosen:
        return []
    made = {row.pk: row for row in rows.filter(pk__in=chosen).order_by()}
    return [made[pk] for pk in chosen if pk in made]  # one gone meanwhile is left out


def page_of(
    rows: QuerySet[M],
    page: PageRequest,
    shape: Callable[[M], R],
    *,
    counted: QuerySet[Any] | None = None,
    split: Split | None = None,
    by_version: bool = False,
) -> WorklistPage[R]:
    """One page of ``rows`` (ordered, with what each row shows selected), shaped.

    The count is of ``counted`` (the same rows, shaped for counting; ``rows`` when not given).
    A page that holds the end of the list already tells how many there are: no count is
    asked of the database then (most lists, most days, fit on their first page). ``split``
    (a column and the values ``rows`` may hold in it) reads each value's rows apart and
    merges them (``_read``): the same page, in the same order, found without sorting.
    ``by_version``: the count is kept under the data's version (``capped_count``).
    """
    found = _read(rows, page.offset, page.size + 1, split)
    ends_here = len(found) <= page.size and (found or not page.offset)
    return WorklistPage(
        rows=[shape(row) for row in found[: page.size]],
        count=min(page.offset + len(found), COUNT_CAP + 1)
        if ends_here
        else capped_count(rows if counted is None else counted, by_version=by_version),
        number=page.number,
        size=page.size,
        has_next=len(found) > page.size,
    )


def record_read(
    *,
    actor: audit.Actor,
    worklist: str,
    summary: str,
    via: audit.Via,
    shown: Iterable[object],
    filters: Mapping[str, object],
) -> None:
    """The one audit record of a worklist read, naming every hip shown (ADR 0003)."""
    audit.record(
        actor=actor,
        action=f"worklist.{worklist}.list",
        object_type="worklist",
        summary=summary,
        via=via,
        details={
            "filters": {k: v for k, v in filters.items() if v},
            "shown": list(dict.fromkeys(str(s) for s in shown)),
        },
    )
