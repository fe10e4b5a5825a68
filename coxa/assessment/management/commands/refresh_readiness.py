"""`coxa refresh_readiness`: recompute every tracked episode's readiness, and act on it.

Run it nightly: results expire as days pass. A ready or scheduled hip whose gate no longer
holds (a result expired, or will have expired by the operation day) is moved back, audited
as Coxa with the reasons; a listed or optimising hip whose gate now holds becomes ready. A
scheduled hip whose operation day has come is never moved back (its note must stay
writable; signing judges the gate for that day). The worklists show the moves.

Each episode is its own transaction: one that fails is reported and the rest go on; the
command then exits non-zero. ``--dry-run`` says what would move and changes nothing.
"""

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.services.readiness import refresh
from coxa.core.audit import Via
from coxa.pathways.models import Episode

log = logging.getLogger(__name__)


class _DryRun(Exception):
    """Rolls back one episode's refresh after seeing where it would go."""


class Command(BaseCommand):
    help = "Recompute the readiness of every tracked episode; move back those no longer ready."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would move; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry = options["dry_run"]
        ids = list(
            Episode.objects.filter(state__in=[s.value for s in TRACKED])
            .order_by("id")
            .values_list("id", flat=True)
        )
        moved, failed = 0, []
        for pk in ids:
            episode = Episode.objects.select_related("patient").get(pk=pk)
            before = episode.state
            try:
                with transaction.atomic():
                    refresh(episode, by=None, via=Via.CLI)
                    after = episode.state
                    if dry:
                        raise _DryRun
            except _DryRun:
                pass
            except Exception as error:
                log.exception("readiness refresh failed for episode %s", episode.public_id)
                failed.append(f"{episode.public_id}: {error}")
                continue
            if after != before:
                moved += 1
                if dry:
                    self.stdout.write(f"  would move {episode.public_id}: {before} -> {after}")
        verb = "would change" if dry else "changed"
        self.stdout.write(
            f"Readiness refreshed for {len(ids) - len(failed)} episodes; {moved} {verb} state."
        )
        if failed:
            raise CommandError(f"{len(failed)} episode(s) failed: " + "; ".join(failed[:10]))
