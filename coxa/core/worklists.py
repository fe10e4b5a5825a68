"""What every worklist does the same way: a page of rows, a capped count, one audit record.

Which rows a worklist holds, in what order, and what they mean is its app's
(``assessment/worklist.py``, ``surgery/worklist.py``); this module has no clinical meaning.
A worklist reads stored, indexed columns only, so a page costs the same queries however many
hips there are (ADR 0018).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

from coxa.core import audit
from coxa.core.pagination import PageRequest

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


def capped_count(rows: QuerySet[Any]) -> int:
    """How many rows, counted up to COUNT_CAP + 1 (no ordering, no joins it does not need)."""
    return rows.order_by().select_related(None)[: COUNT_CAP + 1].count()


def page_of(
    rows: QuerySet[M],
    page: PageRequest,
    shape: Callable[[M], R],
    *,
    counted: QuerySet[Any] | None = None,
) -> WorklistPage[R]:
    """One page of ``rows`` (ordered, with what each row shows selected), shaped.

    The count is of ``counted`` (the same rows, shaped for counting; ``rows`` when not given).
    A page that holds the end of the list already tells how many there are: no count is
    asked of the database then (most lists, most days, fit on their first page).
    """
    found = list(rows[page.offset : page.offset + page.size + 1])
    ends_here = len(found) <= page.size and (found or not page.offset)
    return WorklistPage(
        rows=[shape(row) for row in found[: page.size]],
        count=min(page.offset + len(found), COUNT_CAP + 1)
        if ends_here
        else capped_count(rows if counted is None else counted),
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
