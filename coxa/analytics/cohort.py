"""A registry cohort held as columns, and the filters an analyst applies to it. Pure numpy.

Text columns (procedure, sex, diagnosis, surgeon, unit) are held as integer codes into a
tuple of labels, as a registry of millions of hips cannot afford a Python string per cell:
five million hips take about 120 MB here, against several GB as strings. Age and head size
are also offered in bands, for filtering and grouping.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from coxa.analytics.choices import (
    AGE_BAND_EDGES,
    AGE_BANDS,
    CATEGORIES,
    GROUPABLE,
    HEAD_BAND_EDGE_MM,
    HEAD_BANDS,
    NOT_RECORDED,
)


@dataclass(frozen=True)
class Category:
    """Codes into ``labels``; -1 where nothing was recorded."""

    codes: NDArray[np.int32]
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> "Category":
        labels = tuple(sorted({v for v in values if v}))
        index = {label: i for i, label in enumerate(labels)}
        codes = np.fromiter((index.get(v, -1) if v else -1 for v in values), np.int32, len(values))
        return cls(codes, labels)

    def take(self, rows: NDArray[Any]) -> "Category":
        return Category(self.codes[rows], self.labels)

    def matching(self, wanted: Iterable[str]) -> NDArray[np.bool_]:
        wanted = set(wanted)
        chosen = [i for i, label in enumerate(self.labels) if label in wanted]
        if NOT_RECORDED in wanted:
            chosen.append(-1)
        return np.isin(self.codes, np.array(chosen, dtype=np.int32))

    def label(self, code: int) -> str:
        return NOT_RECORDED if code < 0 else self.labels[code]

    def present(self) -> list[tuple[int, str]]:
        """(code, label) of every value that occurs, in label order; not recorded last."""
        counts = np.bincount(self.codes + 1, minlength=len(self.labels) + 1)
        found = [(i, label) for i, label in enumerate(self.labels) if counts[i + 1]]
        if counts[0]:
            found.append((-1, NOT_RECORDED))
        return found


def _banded(
    values: NDArray[np.float64], edges: Sequence[float], labels: tuple[str, ...]
) -> Category:
    codes = np.digitize(values, np.asarray(edges, dtype=np.float64)).astype(np.int32)
    codes[np.isnan(values)] = -1
    return Category(codes, labels)


@dataclass(frozen=True)
class Cohort:
    """One row per hip.

    ``years`` runs from the operation to the first of revision, death or the end of
    follow-up; ``outcome`` is 0 censored, 1 revised (or converted), 2 died.
    """

    procedure: Category
    sex: Category
    diagnosis: Category
    surgeon: Category
    unit: Category
    age: NDArray[np.float64]
    head_size_mm: NDArray[np.float64]  # NaN where no head was implanted or recorded
    operation_year: NDArray[np.int32]
    years: NDArray[np.float64]
    outcome: NDArray[np.int8]
    notes: tuple[str, ...] = field(default=())  # what the source could not supply

    def __len__(self) -> int:
        return int(self.years.size)

    def category(self, name: str) -> Category:
        if name == "age_band":
            return _banded(self.age, AGE_BAND_EDGES, AGE_BANDS)
        if name == "head_band":
            return _banded(self.head_size_mm, (HEAD_BAND_EDGE_MM,), HEAD_BANDS)
        if name in CATEGORIES:
            category: Category = getattr(self, name)
            return category
        raise ValueError(f"cannot group by {name!r}; choose from {', '.join(GROUPABLE)}")

    def take(self, rows: NDArray[Any]) -> "Cohort":
        return replace(
            self,
            procedure=self.procedure.take(rows),
            sex=self.sex.take(rows),
            diagnosis=self.diagnosis.take(rows),
            surgeon=self.surgeon.take(rows),
            unit=self.unit.take(rows),
            age=self.age[rows],
            head_size_mm=self.head_size_mm[rows],
            operation_year=self.operation_year[rows],
            years=self.years[rows],
            outcome=self.outcome[rows],
        )


@dataclass(frozen=True)
class Filter:
    """An analyst's cohort: empty sets and missing years mean no restriction."""

    procedure: frozenset[str] = frozenset()
    sex: frozenset[str] = frozenset()
    diagnosis: frozenset[str] = frozenset()
    surgeon: frozenset[str] = frozenset()
    unit: frozenset[str] = frozenset()
    age_band: frozenset[str] = frozenset()
    head_band: frozenset[str] = frozenset()
    operated_from: int | None = None  # operation year, inclusive
    operated_to: int | None = None

    def mask(self, cohort: Cohort) -> NDArray[np.bool_]:
        keep = np.ones(len(cohort), dtype=np.bool_)
        for name in GROUPABLE:
            wanted: frozenset[str] = getattr(self, name)
            if wanted:
                keep &= cohort.category(name).matching(wanted)
        if self.operated_from is not None:
            keep &= cohort.operation_year >= self.operated_from
        if self.operated_to is not None:
            keep &= cohort.operation_year <= self.operated_to
        return keep

    def apply(self, cohort: Cohort) -> Cohort:
        if self == Filter():
            return cohort
        return cohort.take(np.flatnonzero(self.mask(cohort)))

    def describe(self) -> str:
        parts = [
            f"{name.replace('_', ' ')}: {', '.join(sorted(getattr(self, name)))}"
            for name in GROUPABLE
            if getattr(self, name)
        ]
        if self.operated_from is not None or self.operated_to is not None:
            low = self.operated_from if self.operated_from is not None else "any"
            high = self.operated_to if self.operated_to is not None else "any"
            parts.append(f"operated: {low} to {high}")
        return "; ".join(parts) if parts else "all hips"
