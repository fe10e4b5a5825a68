"""`coxa refresh_readiness`: recompute every tracked episode's stored readiness.

Run it nightly: results expire as days pass, and the worklist reads the stored readiness.
It moves no episode between states.
"""

from typing import Any

from django.core.management.base import BaseCommand

from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.services.readiness import refresh
from coxa.core.audit import Via
from coxa.pathways.models import Episode


class Command(BaseCommand):
    help = "Recompute the stored readiness of every episode the pre-assessment team tracks."

    def handle(self, *args: Any, **options: Any) -> None:
        episodes = Episode.objects.filter(state__in=[s.value for s in TRACKED]).select_related(
            "patient"
        )
        count = 0
        for episode in episodes.iterator(chunk_size=500):
            refresh(episode, by=None, via=Via.CLI)
            count += 1
        self.stdout.write(f"Readiness refreshed for {count} episodes.")
