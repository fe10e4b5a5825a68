"""The operation page and the way every form on it answers.

Each form posts to its own URL, which builds the same input type the API takes and calls the
same service; a refusal re-shows the page with every problem named beside its field name.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from pydantic import ValidationError

from coxa.accounts.access import user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.services import readiness
from coxa.catalogue.schema import Procedure
from coxa.core.audit import Via
from coxa.core.errors import CoxaError, ErrorCode, Problem
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.surgery import selectors
from coxa.surgery.domain.notes import Approach, ImplantIn
from coxa.surgery.selectors import BHR_ROWS, OTHER_ROWS


def episode_of(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    """Clinical staff only: these pages name the patient (analysts see pseudonyms elsewhere)."""
    user = user_of(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _problems(error: Exception) -> list[Problem]:
    if isinstance(error, CoxaError):
        return list(error.problems)
    assert isinstance(error, ValidationError)  # noqa: S101
    return [
        Problem(
            ErrorCode.INVALID_VALUE,
            str(e["msg"]),
            ".".join(str(p) for p in e["loc"]) or None,
        )
        for e in error.errors()
    ]


def render_page(
    request: HttpRequest,
    episode: Episode,
    *,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = selectors.operation_context(episode)
    posted = request.POST if problems else {}
    user = user_of(request)
    reasons = selectors.override_reasons()
    context |= {
        "problems": problems or [],
        "posted": posted,
        "values": _values(posted, context["note"], context["booking"], context["procedure"]),
        "approaches": [(a.value, a.value.title()) for a in Approach],
        # The plan-change form shows what was just typed when it is refused.
        "phase_days": [
            (p, day, posted.get(f"phase-{p.code}", "") if posted else "")
            for p, day in context["phase_days"]
        ],
        "appointment_days": [
            (a, day, posted.get(f"appointment-{a.key}", "") if posted else "")
            for a, day in context["appointment_days"]
        ],
        "can_write_note": can(user.role, Capability.WRITE_OPERATION_NOTES),
        # Each form is shown only to those who may use it (a refusal would lose the input).
        "may": {
            "schedule": can(user.role, Capability.SCHEDULE_OPERATIONS),
            "discharge": can(user.role, Capability.RECORD_DISCHARGE),
            "adjust": can(user.role, Capability.ADJUST_RECOVERY_PLANS),
            "weight_bearing": can(user.role, Capability.SET_WEIGHT_BEARING),
            "physio": can(user.role, Capability.RECORD_PHYSIOTHERAPY),
        },
        "posted_criteria": {
            c.code
            for c in context["procedure"].discharge.criteria
            if posted.get(f"criterion-{c.code}") == "met"
        }
        if posted
        else set(),
        "rows": _implant_rows(posted, context["note"], episode.procedure),
        "can_confirm": can(user.role, Capability.CONFIRM_IMPLANT_OVERRIDES)
        and context["note"] is not None
        and user.pk not in (context["note"].surgeon_id, context["note"].written_by_id),
        "override_reasons": reasons,
        "override_rows": [
            (i, reasons.get(i.size_reason_code, i.size_reason_code))
            for i in context["note"].implants.all()
            if i.size_reason_code
        ]
        if context["note"] is not None
        else [],
        "gate": readiness.evaluate_episode(episode).gate if episode.state in _GATED else None,
    }
    return render(request, "surgery/operation.html", context, status=status)


_GATED = ("listed", "optimising", "ready", "scheduled")
IMPLANT_FIELDS = tuple(ImplantIn.model_fields)  # the form's columns: the input's fields


def row_names(procedure: str) -> list[str]:
    if procedure == "bhr":
        return [c.value for c in BHR_ROWS]
    return [str(i) for i in range(OTHER_ROWS)]


def _implant_rows(posted: Any, note: Any, procedure: str) -> list[dict[str, str]]:
    """The implant table as the form shows it: what was just posted, else the stored draft."""
    names = row_names(procedure)
    stored: list[dict[str, str]] = []
    if note is not None:
        for implant in note.implants.all():
            values = {f: getattr(implant, f) for f in IMPLANT_FIELDS}
            values["size_mm"] = "" if implant.size_mm is None else f"{implant.size_mm:g}"
            stored.append({k: str(v) for k, v in values.items()})
    rows = []
    for index, name in enumerate(names):
        if posted:
            values = {f: posted.get(f"implant-{name}-{f}", "") for f in IMPLANT_FIELDS}
        elif procedure == "bhr":
            values = next((r for r in stored if r["component"] == name), {})
        else:
            values = stored[index] if index < len(stored) else {}
        rows.append({"name": name, **{f: values.get(f, "") for f in IMPLANT_FIELDS}})
    return rows


def _values(posted: Any, note: Any, booking: Any, procedure: Procedure) -> dict[str, str]:
    """What the forms show: what was just posted, else what is stored."""
    default_approach = procedure.approach if procedure.approach != "as-recorded" else ""
    stored = {
        "approach": (note.approach if note else "") or default_approach,
        "graft_used": ""
        if not note or note.graft_used is None
        else "yes"
        if note.graft_used
        else "no",
        "operation_date": booking.operation_on.isoformat() if booking else "",
        "theatre_list": booking.theatre_list if booking else "",
        "approach_reason": note.approach_reason if note else "",
        "drill_passes": str(note.drill_passes) if note and note.drill_passes else "",
        "graft_product": note.graft_product if note else "",
        "findings": note.findings if note else "",
        "events": note.events if note else "",
        "date_change_reason": note.date_change_reason if note else "",
        "offload_days": "",
        "offload_reason": "",
        "late_stops_reason": "",
    }
    return {k: posted.get(k, v) if posted else v for k, v in stored.items()}


def act_on(
    request: HttpRequest, episode_id: uuid.UUID, action: Callable[[Episode, User], str]
) -> HttpResponse:
    episode = episode_of(request, episode_id)
    if request.method != "POST":
        return redirect("surgery:operation", episode_id=episode.public_id)
    try:
        done = action(episode, user_of(request))
    except (CoxaError, ValidationError) as error:
        if isinstance(error, CoxaError) and error.status not in (400, 409):
            raise
        episode.refresh_from_db()
        return render_page(request, episode, problems=_problems(error), status=400)
    messages.success(request, done)
    return redirect("surgery:operation", episode_id=episode.public_id)
