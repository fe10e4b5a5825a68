"""The nightly readiness check: every tracked hip judged again as of today.

Results expire as days pass, so each night every listed, optimising, ready or scheduled hip
is refreshed as Coxa itself (no person acting), and moved as the readiness gate says
(services/readiness.py). Each hip is its own transaction: one that fails is logged and
reported and the rest go on. Run by ``coxa refresh_readiness`` and after loading the demo.
"""

import logging
from dataclasses import dataclass

from django.db.models import QuerySet

from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.services.readiness import refresh
from coxa.core import audit
from coxa.pathways.models import Episode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """What one pass of the nightly check did."""

    refreshed: int  # episodes refreshed (or, in a dry run, judged)
    moves: tuple[tuple[Episode, str, str], ...]  # (episode, state before, state after)
    failed: tuple[str, ...]  # "public id: error" for each episode that failed


class _DryRun(Exception):
    """Rolls back one episode's refresh after seeing where it would go."""


def refresh_tracked(*, episodes: QuerySet[Episode] | None = None, dry_run: bool = False) -> Run:
    """The nightly check: refresh every tracked episode (of ``episodes``) as of today.

    Each episode is its own transaction, as Coxa itself (``by`` None): one that fails is
    logged and reported and the rest go on. ``dry_run`` rolls each back after seeing where
    it would move.
    """
    ids = list(
        (episodes if episodes is not None else Episode.objects.all())
        .filter(state__in=[s.value for s in TRACKED])
        .order_by("id")
        .values_list("id", flat=True)
    )
    moves, failed = [], []
    for pk in ids:
        episode = Episode.objects.select_related("patient").get(pk=pk)
        before = episode.state
        try:
            with audit.atomic():
                refresh(episode, by=None, via=audit.Via.CLI)
                after = episode.state
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except Exception as error:  # one broken record must not stop the night: reported
            log.exception("readiness refresh failed for episode %s", episode.public_id)
            failed.append(f"{episode.public_id}: {error}")
            continue
        if after != before:
            moves.append((episode, before, after))
    return Run(refreshed=len(ids) - len(failed), moves=tuple(moves), failed=tuple(failed))
