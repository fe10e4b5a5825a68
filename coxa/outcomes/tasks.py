"""The outcomes' background tasks: the nightly follow-up refresh (ADR 0022, ADR 0028)."""

from django_tasks import task

from coxa.core import jobs
from coxa.outcomes.services.schedule import refresh_all


@task()
def refresh_follow_up() -> dict[str, int]:
    """Enrol followed hips, move past closed windows, close ended programmes; a recorded run.

    Queued nightly by `coxa scheduler` (after the readiness refresh); `coxa
    refresh_follow_up` runs the same here and now.
    """
    with jobs.recorded("refresh_follow_up"):
        run = refresh_all()
        if run.failed:
            raise jobs.JobFailed(
                f"{len(run.failed)} episode(s) failed: " + "; ".join(run.failed[:10])
            )
    return {"refreshed": run.refreshed}
