"""Surveillance's background tasks: the nightly refresh, and a worklist's letters as one PDF.

The nightly programme refresh (ADR 0024, ADR 0028); the invitation letters for the hips a
worklist shows, printed as one PDF for the member of staff who asked (issue 18, H89).
"""

import uuid
from typing import Any

from django_tasks import task

import coxa
from coxa.accounts.models import User
from coxa.core import audit, background, clock, jobs, versions
from coxa.core.audit import Via
from coxa.core.errors import NotFound
from coxa.surveillance.documents import (
    Invitation,
    invitation_html,
    invitations_bundle,
    letter_for,
)
from coxa.surveillance.selectors import HipSurveillance, access_surveillance, record_copy
from coxa.surveillance.services.programme import refresh_all
from coxa.surveillance.worklist import LETTERS_KIND, SurveillanceQuery, letter_hips

BATCH_COPY = "invitation letter (PDF of a print run)"


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


# ---------------------------------------------------------------- the letters for a list
def letters_key(user: User, query: SurveillanceQuery) -> str:
    """What a print run makes: this person's letters for this list, over the data as it is.

    A second click, or a reload of the form, while nothing changed joins the same run.
    """
    parts = [
        LETTERS_KIND,
        coxa.__version__,
        clock.today().isoformat(),
        f"records:{versions.data_key()}",
        f"user:{user.pk}",
        f"status:{query.status}",
    ]
    return ":".join(parts)


def _read(
    user: User, episode_id: uuid.UUID
) -> tuple[HipSurveillance | None, Invitation | None, str]:
    """The hip as it is now, read as the person who asked (audited): its letter, or why none."""
    try:
        shown = access_surveillance(actor=user, episode_id=episode_id, via=Via.TASK)
    except NotFound:
        return None, None, "the hip is no longer found"
    return shown, *letter_for(shown)


def _skipped(shown: HipSurveillance | None, episode_id: uuid.UUID, why: str) -> dict[str, str]:
    episode = shown.episode if shown is not None else None
    return {
        "episode_id": str(episode_id),
        "name": episode.patient.display_name if episode is not None else "",
        "side": episode.side if episode is not None else "",
        "why": why,
    }


def _print(user: User, query: SurveillanceQuery, job_id: str) -> dict[str, Any]:
    """Every letter of the list into one PDF, kept for the person who asked; what it holds."""
    hips = letter_hips(actor=user, query=query)
    total = len(hips) + 1  # a step for each hip, and one to write the PDF
    bundle = invitations_bundle()
    printed: list[HipSurveillance] = []
    skipped: list[dict[str, str]] = []
    for done, episode_id in enumerate(hips):
        background.progress(job_id, done, total, f"Letter {done + 1} of {len(hips)}")
        shown, letter, why = _read(user, episode_id)
        if shown is None or letter is None:
            skipped.append(_skipped(shown, episode_id, why))
            continue
        bundle.add(invitation_html(letter))
        printed.append(shown)
    background.progress(job_id, len(hips), total, "Putting the letters into one PDF")
    data = bundle.pdf() if printed else b""
    details = {
        "letters": [str(s.episode.public_id) for s in printed],
        "pages": bundle.pages,
        "skipped": skipped,
        "status": query.status,
    }
    # The file and each letter's copy record together, and only for a run still running (one
    # taken as lost and replaced meanwhile keeps nothing and records nothing: H89).
    with audit.atomic():
        if not background.still_running(job_id):
            raise background.JobClosed(job_id)
        background.keep_file(
            job_id,
            name=f"hip-check-invitations-{clock.today().isoformat()}.pdf",
            content_type="application/pdf",
            data=data,
            details=details,
        )
        for shown in printed:  # each letter is a copy taken away, once the PDF is made
            record_copy(actor=user, shown=shown, copy=BATCH_COPY, via=Via.TASK)
    return {"letters": len(printed), "skipped": len(skipped), "pages": bundle.pages}


@task()
def print_invitations(job_id: str, user_id: int, status: str) -> dict[str, Any]:
    """The invitation letters for the hips on the list ``status`` names, as ``user_id`` asked.

    Each hip is read as it is when the task runs, through the same selector as one letter;
    hips with nothing to invite to are left out and named with the reason.
    """
    if not background.claim(job_id):  # replaced meanwhile (its page took it as lost)
        return {}
    with background.running(job_id):
        user = User.objects.get(pk=user_id)
        return _print(user, SurveillanceQuery(status=status), job_id)
