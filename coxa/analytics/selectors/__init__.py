"""The registry extract read from Coxa's own records, pseudonymised. Audited.

One row per operated hip (an episode that reached ``operated``):
- the operation date is the signed note's operation day, else the day the operation was
  recorded (the ``operated`` step);
- revision is conversion: the recorded conversion's day (``outcomes.Conversion.on``) is the
  end point; a hip converted before conversions were recorded uses the day of its
  ``converted`` step;
- death is the recorded death's day (``outcomes.Death.on``, the competing event), else the
  patient's date of death (older records); a conversion on the day of death counts;
- follow-up is censored at the close date (today unless given), or earlier: at the day a
  hip was discharged from follow-up, or at the last contact of a hip lost to follow-up; an
  event recorded later still counts (``figures.end_point``).
A hip opened by converting or revising a joint replacement (a procedure that put in an
implant: ``selectors.hips``) is that joint's revision, not a new primary, so it is left out;
one opened after core decompression is a primary and counts. The revision's day is the
linked new hip's operation day where its note is signed, never before the conversion's day.
"""

import datetime as dt
import functools
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.models import Imaging
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.pathways.selectors import pseudonym
from coxa.surgery.models import Implant

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from coxa.analytics.cohort import Cohort
    from coxa.analytics.selectors.outcomes import OutcomeFigures

# The analytics extra's libraries (numpy, scipy, pyarrow) are imported inside the functions
# that compute, never by importing this package (``analytics.extra``): the pages read
# ``extract_files`` and ``record_view`` from here on every request.

__all__ = [
    "DAYS_PER_YEAR",
    "extract_cohort",
    "extract_files",
    "outcome_figures",
    "registry_cohort",
    "registry_rows",
]

DAYS_PER_YEAR = 365.25

NOTES = (
    "Operation date, surgeon and head size come from the signed operation note (the femoral "
    "component for resurfacing, the head for hip replacement); hips operated before notes "
    "were kept use the day and the surgeon of the operation step, with no head size.",
)
HEAD_COMPONENTS = ("femoral", "head")


def hip_pseudonym(episode_id: uuid.UUID) -> str:
    """A keyed pseudonym for one hip (episode); the key stays with the service."""
    return pseudonym(episode_id, prefix="H", namespace=b"hip:")


def _recorded(
    hips: "QuerySet[Any]",
) -> tuple[dict[int, str], dict[int, float | None]]:
    """Diagnoses and head sizes of ``hips``, a subquery of episode ids (never a list: issue 20)."""
    # Ordered oldest first, so the newest imaging diagnosis of each hip is the one kept.
    diagnoses: dict[int, str] = dict(
        Imaging.objects.filter(episode_id__in=hips, is_current=True)
        .exclude(diagnosis="")
        .order_by("episode_id", "on", "recorded_at")
        .values_list("episode_id", "diagnosis")
    )
    heads = dict(
        Implant.objects.filter(
            note__episode_id__in=hips,
            note__signed_at__isnull=False,
            component__in=HEAD_COMPONENTS,
            size_mm__isnull=False,
        ).values_list("note__episode_id", "size_mm")
    )
    return diagnoses, heads


def registry_rows(
    actor: User | None, *, close_on: dt.date | None = None, via: audit.Via = audit.Via.WEB
) -> tuple[dict[str, list[Any]], dt.date]:
    """Every operated hip as extract columns (pseudonymised), and the close date used.

    ``actor`` None is the server's operator at the command line, audited as such.
    """
    from coxa.analytics.selectors.hips import (  # noqa: PLC0415 (the analytics extra)
        end_points,
        operated_hips,
        operated_ids,
    )
    from coxa.analytics.synthetic import COLUMNS  # noqa: PLC0415 (the analytics extra)

    if actor is not None:
        require(actor, Capability.VIEW_PSEUDONYMISED)
    close = close_on or clock.today()
    hips = {
        episode_id: hip
        for episode_id, hip in operated_hips().items()
        if not hip.revision and hip.operated_on <= close
    }
    # Read for every operated hip, by a subquery; only those kept are looked up.
    diagnoses, heads = _recorded(operated_ids())
    ends_of = end_points(operated_ids(), close)
    rows: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for episode_id, hip in hips.items():
        episode, note, operated_on = hip.episode, hip.note, hip.operated_on
        ends, outcome = ends_of.of(hip, close)
        born = episode.patient.date_of_birth
        surgeon = ""
        operator = note.surgeon if note else hip.step.by
        if operator is not None and operator.role == Role.SURGEON:
            surgeon = operator.get_full_name() or operator.username
        rows["hip_id"].append(hip_pseudonym(episode.public_id))
        rows["procedure"].append(episode.procedure)
        rows["sex"].append(episode.patient.sex)
        rows["age"].append(_age(born, operated_on))
        rows["head_size_mm"].append(heads.get(episode_id))
        rows["diagnosis"].append(diagnoses.get(episode_id))
        rows["surgeon"].append(surgeon or None)
        rows["unit"].append(settings.UNIT_NAME)
        rows["operation_date"].append(operated_on)
        rows["years"].append((ends - operated_on).days / DAYS_PER_YEAR)
        rows["outcome"].append(outcome)
    audit.record(
        actor=actor,
        action="analytics.extract",
        object_type="registry",
        summary=f"{len(rows['hip_id'])} operated hips, follow-up closed {close.isoformat()}",
        via=via,
    )
    return rows, close


def extract_files() -> list[str]:
    """The registry extracts in settings.ANALYTICS_EXTRACTS_DIR, by name."""
    folder = Path(settings.ANALYTICS_EXTRACTS_DIR)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".csv", ".parquet"))


@functools.lru_cache(maxsize=2)
def _read(path: Path, modified: int, size: int) -> "Cohort":
    from coxa.analytics.extract import read_extract  # noqa: PLC0415 (the analytics extra)

    del modified, size  # part of the cache key: a changed file is read again
    return read_extract(path)


def extract_cohort(actor: User, name: str, *, via: audit.Via = audit.Via.WEB) -> "Cohort":
    """A registry extract from the extracts folder; only names listed there are opened."""
    from coxa.analytics.extract import ExtractError  # noqa: PLC0415 (the analytics extra)

    require(actor, Capability.VIEW_PSEUDONYMISED)
    if name not in extract_files():
        raise InvalidInput(
            ErrorCode.UNKNOWN_EXTRACT, f"there is no extract named {name!r}", "source"
        )
    path = Path(settings.ANALYTICS_EXTRACTS_DIR) / name
    stat = path.stat()
    try:
        cohort = _read(path, stat.st_mtime_ns, stat.st_size)
    except ExtractError as error:
        raise InvalidInput(
            ErrorCode.BAD_EXTRACT, str(error).replace(str(path), name), "source"
        ) from None
    audit.record(
        actor=actor,
        action="analytics.read-extract",
        object_type="registry",
        object_id=name,
        summary=f"{len(cohort)} hips from {name}",
        via=via,
    )
    return cohort


def extract_cohort_empty() -> "Cohort":
    """A cohort with no hips, shown beside an error about the chosen source."""
    from coxa.analytics.extract import cohort_of, table_of_rows  # noqa: PLC0415 (extra)
    from coxa.analytics.synthetic import COLUMNS  # noqa: PLC0415 (the analytics extra)

    return cohort_of(table_of_rows({name: [] for name in COLUMNS}))


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def registry_cohort(
    actor: User | None, *, close_on: dt.date | None = None, via: audit.Via = audit.Via.WEB
) -> tuple["Cohort", dt.date]:
    from coxa.analytics.extract import cohort_of, table_of_rows  # noqa: PLC0415 (extra)

    rows, close = registry_rows(actor, close_on=close_on, via=via)
    cohort = cohort_of(table_of_rows(rows))
    return replace(cohort, notes=NOTES), close


def record_view(actor: User, source: str) -> None:
    """Record an analyst's view of figures computed earlier (from the cache) for another read.

    The figures were read, and audited, by the background task that computed them (for the
    analyst who first asked); each later view of them is recorded here.
    """
    require(actor, Capability.VIEW_PSEUDONYMISED)
    audit.record(
        actor=actor,
        action="analytics.view",
        object_type="registry",
        summary=f"Analytics of {source}"[:300],
    )


def outcome_figures(
    actor: User | None, *, close_on: dt.date | None = None, via: audit.Via = audit.Via.WEB
) -> "OutcomeFigures":
    """Complication rates and PROM change per procedure (``selectors.outcomes``). Audited."""
    from coxa.analytics.selectors import outcomes  # noqa: PLC0415 (the analytics extra)

    return outcomes.outcome_figures(actor, close_on=close_on, via=via)
