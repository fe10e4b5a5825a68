"""The operation page and the way every form on it answers.

Each form posts to its own URL; its view builds the same input type the API takes from the
form (``surgery/forms.py``) and calls the same service through ``core.forms.submit``. A
refusal re-shows the page with status 400: the refused form keeps what was typed and shows
every problem beside its field; the other forms show what is stored.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from coxa.accounts.access import user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.services import readiness
from coxa.core.audit import Via
from coxa.core.forms import PageForm
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode
from coxa.surgery import forms, selectors
from coxa.surgery.domain.consent import CONSENTABLE, covers_restricted_size


def episode_of(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    """Clinical staff only: these pages name the patient (analysts see pseudonyms elsewhere)."""
    user = user_of(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def page_forms(
    episode: Episode, context: dict[str, Any], user: User, data: Any = None
) -> dict[str, PageForm]:
    """Every form of the page, bound to ``data`` (what was posted) or showing what is stored."""
    surgeons = [(s.username, s.get_full_name() or s.username) for s in context["surgeons"]]
    procedure, note, booking = context["procedure"], context["note"], context["booking"]
    note_initial = forms.NoteForm.initial_from(note, booking, procedure)
    note_initial.setdefault("side", episode.side)
    note_form = forms.NoteForm(
        data,
        procedure=procedure,
        surgeons=surgeons,
        override_reasons=selectors.override_reasons(),
        ranged_phase=context["ranged_phase"],
        initial=note_initial,
    )
    if booking is not None:
        note_form.fields[
            "date_change_reason"
        ].label = f"If not on the booked day ({booking.operation_on:%-d %b %Y}), why"
    consent = context["consent"]
    return {
        "consent": forms.ConsentForm(
            data,
            procedure=procedure,
            initial={"taken_at": timezone.localtime(context["now"]).replace(second=0)},
        ),
        "withdraw": forms.WithdrawConsentForm(
            data, initial={"consent": consent.public_id if consent else None}
        ),
        "schedule": forms.ScheduleForm(
            data,
            surgeons=surgeons,
            initial={
                "operation_date": booking.operation_on if booking else None,
                "surgeon": booking.surgeon.username if booking else None,
                "theatre_list": booking.theatre_list if booking else "",
                "start_time": booking.starts_at if booking else None,
            },
        ),
        "note": note_form,
        "confirm": forms.ConfirmForm(data, initial={"draft": note.draft_hash if note else ""}),
        "addendum": forms.AddendumForm(data),
        "discharge": forms.DischargeForm(
            data, procedure=procedure, initial={"discharged_on": context["today"]}
        ),
        "adjust": forms.AdjustForm(
            data,
            phase_days=context["phase_days"],
            appointment_days=context["appointment_days"],
            # The phases' ends are the surgeon's to set (weight bearing).
            may_set_phases=can(user.role, Capability.SET_WEIGHT_BEARING),
        ),
        "review": forms.ReviewForm(
            data, initial={"reviewed_on": context["today"], "weight_bearing": "as-advised"}
        ),
    }


def render_page(
    request: HttpRequest,
    episode: Episode,
    *,
    refused: tuple[str, PageForm] | None = None,
) -> HttpResponse:
    context = selectors.operation_context(episode)
    user = user_of(request)
    reasons = selectors.override_reasons()
    shown = page_forms(episode, context, user)
    if refused is not None:
        shown[refused[0]] = refused[1]
    context |= {
        "forms": shown,
        "refused": refused[1] if refused else None,  # its problems, listed at the top
        "can_write_note": can(user.role, Capability.WRITE_OPERATION_NOTES),
        # Each form is shown only to those who may use it (a refusal would lose the input).
        "consent_open": episode.state in CONSENTABLE,
        "consent_covers_restricted": context["consent"] is not None
        and context["consent"].is_current
        and covers_restricted_size(context["consent"].risks),
        "may": {
            "consent": can(user.role, Capability.TAKE_CONSENT),
            "withdraw": can(user.role, Capability.WITHDRAW_CONSENT),
            "schedule": can(user.role, Capability.SCHEDULE_OPERATIONS),
            "discharge": can(user.role, Capability.RECORD_DISCHARGE),
            "adjust": can(user.role, Capability.ADJUST_RECOVERY_PLANS),
            "weight_bearing": can(user.role, Capability.SET_WEIGHT_BEARING),
            "physio": can(user.role, Capability.RECORD_PHYSIOTHERAPY),
        },
        "can_confirm": can(user.role, Capability.CONFIRM_IMPLANT_OVERRIDES)
        and context["note"] is not None
        and user.pk not in (context["note"].surgeon_id, context["note"].written_by_id),
        "override_rows": [
            (i, reasons.get(i.size_reason_code, i.size_reason_code))
            for i in context["note"].implants.all()
            if i.size_reason_code
        ]
        if context["note"] is not None
        else [],
        "gate": readiness.evaluate_episode(episode).gate if episode.state_enum in TRACKED else None,
    }
    return render(request, "surgery/operation.html", context, status=400 if refused else 200)


def act_on(
    request: HttpRequest,
    episode_id: uuid.UUID,
    name: str,
    act: Callable[[Episode, User, PageForm], str | None],
) -> HttpResponse:
    """Bind the page's form ``name`` to the post and act on it; a refusal re-shows the page.

    ``act`` returns the success message, or None when the form now holds the refusal
    (``core.forms.submit``).
    """
    episode = episode_of(request, episode_id)
    if request.method != "POST":
        return redirect("surgery:operation", episode_id=episode.public_id)
    user = user_of(request)
    form = page_forms(episode, selectors.operation_context(episode), user, request.POST)[name]
    done = act(episode, user, form)
    if done is None:
        episode.refresh_from_db()
        return render_page(request, episode, refused=(name, form))
    messages.success(request, done)
    return redirect("surgery:operation", episode_id=episode.public_id)
