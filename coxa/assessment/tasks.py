"""The assessment's background tasks: the nightly readiness refresh (ADR 0010, ADR 0028)."""

from django_tasks import task

from coxa.assessment.services.nightly import refresh_tracked
from coxa.core import jobs


@task()
def refresh_readiness() -> dict[str, int]:
    """Recompute every tracked hip's readiness and move it as the gate says; a recorded run.

    Queued nightly by `coxa scheduler`; `coxa refresh_readiness` runs the same here and now.
    A hip that fails is logged and the rest go on; the run is then recorded as failed.
    """
    with jobs.recorded("refresh_readiness"):
        run = refresh_tracked(dry_run=False)
        if run.failed:
            raise jobs.JobFailed(
                f"{len(run.failed)} episode(s) failed: " + "; ".join(run.failed[:10])
            )
    return {"refreshed": run.refreshed, "moved": len(run.moves)}
