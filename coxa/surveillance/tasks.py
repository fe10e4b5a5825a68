"""Surveillance's background tasks: the nightly programme refresh (ADR 0024, ADR 0028)."""

from django_tasks import task

from coxa.core import jobs
from coxa.surveillance.services.programme import refresh_all


@task()
def refresh_surveillance() -> dict[str, int]:
    """Enrol signed metal-on-metal hips and bring every programme to today; a recorded run.

    Queued nightly by `coxa scheduler` (after the follow-up refresh); `coxa
    refresh_surveillance` runs the same here and now.
    """
    with jobs.recorded("refresh_surveillance"):
        run = refresh_all()
        if run.failed:
            raise jobs.JobFailed(f"{len(run.failed)} hip(s) failed: " + "; ".join(run.failed[:10]))
    return {"enrolled": run.enrolled, "refreshed": run.refreshed}
