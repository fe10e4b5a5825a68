"""`coxa refresh_readiness`: recompute every tracked episode's readiness, and act on it.

Run it nightly: results expire as days pass. A ready or scheduled hip whose gate no longer
holds (a result expired, or will have expired by the operation day) is moved back, audited
as Coxa with the reasons; a listed or optimising hip whose gate now holds becomes ready. The
worklists show both. Each episode is its own transaction, so one failure stops nothing else.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.services.readiness import refresh
from coxa.core.audit import Via
from coxa.pathways.models import Episode


class Command(BaseCommand):
    help = "Recompute the readiness of every tracked episode; move back those no longer ready."

    def handle(self, *args: Any, **options: Any) -> None:
        episodes = Episode.objects.filter(state__in=[s.value for s in TRACKED]).select_related(
            "patient"
        )
        count = moved = 0
        for episode in episodes.iterator(chunk_size=500):
            before = episode.state
            with transaction.atomic():
                refresh(episode, by=None, via=Via.CLI)
            count += 1
            moved += episode.state != before
        self.stdout.write(f"Readiness refreshed for {count} episodes; {moved} changed state.")
