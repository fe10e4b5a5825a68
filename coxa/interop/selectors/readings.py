"""Observations, from three kinds of record.

The clinic's measurements, the scores of completed questionnaires and the blood metal levels
of metal-on-metal surveillance.
Each is read among the caller's patients, newest first; a search merges the three and keeps
one page (each kind gives at most a page's worth past the offset, so the merge is exact).
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from coxa.interop.domain.capability import COXA_SYSTEM
from coxa.interop.domain.search import Period, Token
from coxa.interop.selectors.readers import READERS, dated, uuids
from coxa.outcomes.models import QuestionnaireResponse
from coxa.patients.models import Patient
from coxa.surveillance.models import MetalIonResult

IONS = ("cobalt", "chromium")
SCORE_SYSTEM = COXA_SYSTEM + "instrument-score"
METAL_SYSTEM = COXA_SYSTEM + "observation"
DAY_FIELD = {"clinic": "on", "score": "completed_on", "metal": "sampled_on"}


@dataclass(frozen=True)
class Reading:
    """One Observation: its record, and for a blood sample, which ion."""

    kind: str  # "clinic", "score" or "metal"
    row: Any
    ion: str = ""

    @property
    def id(self) -> str:
        return f"{self.row.public_id}-{self.ion}" if self.ion else str(self.row.public_id)

    @property
    def day(self) -> dt.date:
        found: dt.date = getattr(self.row, DAY_FIELD[self.kind])
        return found

    @property
    def patient(self) -> Patient:
        if self.kind == "clinic":
            return self.row.patient  # type: ignore[no-any-return]
        if self.kind == "score":
            return self.row.episode.patient  # type: ignore[no-any-return]
        return self.row.enrolment.episode.patient  # type: ignore[no-any-return]


def _ids(ids: Sequence[str]) -> tuple[list[uuid.UUID], dict[uuid.UUID, set[str]]]:
    """Plain record ids, and blood samples' ids with the ions asked for."""
    plain: list[uuid.UUID] = []
    samples: dict[uuid.UUID, set[str]] = {}
    for value in ids:
        stem, _, ion = value.rpartition("-")
        if ion in IONS and uuids([stem]):
            samples.setdefault(uuid.UUID(stem), set()).add(ion)
        else:
            plain += uuids([value])
    return plain, samples


def _scores(patients: QuerySet[Patient], tokens: Sequence[Token]) -> QuerySet[Any]:
    rows = QuestionnaireResponse.objects.filter(
        episode__patient__in=patients, score__isnull=False
    ).select_related("episode__patient")
    wanted = [t.code for t in tokens if t.system in (None, SCORE_SYSTEM)]
    return rows.filter(instrument__in=wanted) if tokens else rows


def _ions(tokens: Sequence[Token]) -> set[str]:
    if not tokens:
        return set(IONS)
    return {t.code for t in tokens if t.system in (None, METAL_SYSTEM) and t.code in IONS}


def readings(
    patients: QuerySet[Patient],
    *,
    ids: Sequence[str],
    tokens: Sequence[Token],
    periods: Sequence[Period],
    limit: int,
    since: dt.datetime | None = None,
) -> list[Reading]:
    """The newest ``limit`` Observations of the caller's patients that match.

    ``since``: only those recorded after it (an export's _since).
    """
    plain, samples = _ids(ids)
    clinic = READERS["Observation"].query(
        patients, ids=[], tokens=tokens, periods=periods, since=since
    )
    scores = _scores(patients, tokens).filter(dated("completed_on", periods))
    metals = (
        MetalIonResult.objects.filter(enrolment__episode__patient__in=patients)
        .select_related("enrolment__episode__patient")
        .filter(dated("sampled_on", periods))
    )
    if since is not None:
        scores = scores.filter(recorded_at__gt=since)
        metals = metals.filter(recorded_at__gt=since)
    ions = _ions(tokens)
    if ids:
        clinic = clinic.filter(public_id__in=plain)
        scores = scores.filter(public_id__in=plain)
        metals = metals.filter(public_id__in=list(samples))
    # Each kind in the merge's own order (day, then public id: the same order in the database
    # as in Python), so that its first ``limit`` rows are the ones the merge can keep.
    found = [Reading("clinic", row) for row in clinic.order_by("-on", "-public_id")[:limit]]
    found += [
        Reading("score", row) for row in scores.order_by("-completed_on", "-public_id")[:limit]
    ]
    for row in metals.order_by("-sampled_on", "-public_id")[:limit]:
        asked = samples.get(row.public_id, set(IONS)) if ids else set(IONS)
        found += [
            Reading("metal", row, ion)
            for ion in IONS
            if ion in ions & asked and getattr(row, f"{ion}_ug_per_l") is not None
        ]
    found.sort(key=lambda r: (r.day, str(r.row.public_id), r.ion), reverse=True)
    return found[:limit]
