"""The patient's "getting ready for your operation" letter, as a page and a PDF."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from coxa.accounts.access import page, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.assessment.services import readiness
from coxa.assessment.views.page import episode_of
from coxa.core import audit, clock
from coxa.pathways.domain import AFTER_OPERATION
from coxa.pathways.models import Episode


def letter_context(episode: Episode) -> dict[str, Any]:
    evaluation = readiness.evaluate_episode(episode)
    document, panel = evaluation.document, evaluation.panel
    return {
        "episode": episode,
        "patient": episode.patient,
        "panel": panel,
        "after_operation": episode.state_enum in AFTER_OPERATION,
        # Dates as dates, so that the letter writes "Thursday 22 January 2026".
        "stops": [
            s
            | {
                "stop_on": _day(s["stop_on"]),
                "restart_on": _day(s["restart_on"]),
                "last_dose_on": _day(s["stop_on"], before=1),
            }
            for s in panel["medication_stops"]
        ],
        # From the same evaluation: a smoking status past its validity is not used.
        "smokes": document.get("smoking") == "current",
        "today": clock.today(),
    }


def _day(iso: str | None, *, before: int = 0) -> dt.date | None:
    return dt.date.fromisoformat(iso) - dt.timedelta(days=before) if iso else None


@page(Op.PAGE_LETTER)
def letter(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The "getting ready for your operation" letter as a page."""
    episode = episode_of(request, episode_id)
    return render(request, "assessment/letter.html", letter_context(episode))


def letter_pdf_response(episode: Episode, actor: User) -> HttpResponse:
    from weasyprint import HTML  # noqa: PLC0415 - heavy; loaded only when a PDF is asked for

    html = render_to_string("assessment/letter_print.html", letter_context(episode))
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="getting-ready-{episode.side}-hip.pdf"'
    audit.record(
        actor=actor,
        action="letter.pdf",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary="Getting-ready letter produced as PDF",
    )
    return response


@page(Op.PAGE_LETTER)
def letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return letter_pdf_response(episode_of(request, episode_id), user_of(request))
