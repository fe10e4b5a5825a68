"""The nurse's clinic for an episode: entries, corrections, cautions, the date, decisions."""

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.forms import form_for, payload
from coxa.assessment.services import decisions, entries, readiness
from coxa.assessment.views.page import KINDS_SHOWN, episode_of, kind_of
from coxa.core.audit import Via
from coxa.core.errors import CoxaError, ErrorCode, InvalidInput
from coxa.core.idempotency import submit_once
from coxa.core.web import add_problems
from coxa.pathways.models import Episode


def _clinic(
    request: HttpRequest,
    episode: Episode,
    forms: dict[str, Any] | None = None,
    status: int = 200,
    acknowledge_error: CoxaError | None = None,
    date_error: CoxaError | None = None,
) -> HttpResponse:
    snapshot = selectors.readiness_of(episode)
    panel = readiness.evaluate_episode(episode).panel
    user = user_of(request)
    return render(
        request,
        "assessment/clinic.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "panel": panel,
            "forms": {
                k: f
                for k, f in (forms or {k.value: form_for(k)() for k in KINDS_SHOWN}).items()
                if can(user.role, entries.NEEDS.get(Kind(k), Capability.RECORD_ASSESSMENT))
            },
            "history": {
                k.value: list(selectors.entries(k, episode, current_only=False)[:20])
                for k in KINDS_SHOWN
            },
            "can_record": any(
                can(user.role, entries.NEEDS.get(k, Capability.RECORD_ASSESSMENT)) for k in Kind
            ),
            "can_acknowledge": can(user.role, Capability.ACKNOWLEDGE_CAUTIONS),
            "snapshot": snapshot,
            "before_operation": episode.state_enum in TRACKED,
            "acknowledgement": selectors.acknowledgement_of(episode),
            "acknowledge_error": acknowledge_error,
            "date_error": date_error,
        },
        status=status,
    )


@page(Op.PAGE_CLINIC)
def clinic(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The pre-assessment clinic: the readiness panel, and a form for each kind of entry."""
    return _clinic(request, episode_of(request, episode_id))


def _record(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    """Record an entry of one kind from its clinic form."""
    episode, entry_kind = episode_of(request, episode_id), kind_of(kind)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    form = form_for(entry_kind)(request.POST)
    if form.is_valid():

        def record_one() -> str:
            entries.record_entry(
                kind=entry_kind,
                episode=episode,
                payload=payload(form),
                by=user_of(request),
                via=Via.WEB,
            )
            return reverse("assessment:clinic", kwargs={"episode_id": episode.public_id})

        try:
            done = submit_once(request, f"assessment.{entry_kind.value}", record_one)
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(
                request,
                "This form had already been sent: the entry was recorded once."
                if done.again
                else f"{entry_kind.value.capitalize()} recorded.",
            )
            return redirect(done.url)
    episode.refresh_from_db()
    forms = {k.value: form_for(k)() for k in KINDS_SHOWN} | {entry_kind.value: form}
    return _clinic(request, episode, forms, status=400)


def _correct(
    request: HttpRequest, episode_id: uuid.UUID, kind: str, entry_id: uuid.UUID
) -> HttpResponse:
    """Correct an entry: a new entry supersedes it, with the reason; the old one stays."""
    episode, entry_kind = episode_of(request, episode_id), kind_of(kind)
    old = selectors.entries(entry_kind, episode).filter(public_id=entry_id).first()
    if old is None:
        superseded = selectors.entries(entry_kind, episode, current_only=False)
        if not superseded.filter(public_id=entry_id).exists():
            raise Http404("no current entry with this id")
        messages.warning(request, "This entry has already been corrected: see the correction.")
        return redirect("assessment:clinic", episode_id=episode.public_id)
    form_class = form_for(entry_kind, correction=True)
    form = form_class(request.POST or None, initial=_initial(old, form_class))
    if request.method == "POST" and form.is_valid():

        def correct_one() -> str:
            entries.record_entry(
                kind=entry_kind,
                episode=episode,
                payload=payload(form),
                by=user_of(request),
                via=Via.WEB,
                corrects=str(entry_id),
                reason=form.cleaned_data["reason"],
            )
            return reverse("assessment:clinic", kwargs={"episode_id": episode.public_id})

        try:
            done = submit_once(request, f"assessment.correct.{entry_id}", correct_one)
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(
                request,
                "This form had already been sent: the correction was recorded once."
                if done.again
                else "Correction recorded; the earlier entry is kept.",
            )
            return redirect(done.url)
    return render(
        request,
        "assessment/correct.html",
        {"episode": episode, "form": form, "old": old, "kind": entry_kind.value},
    )


def _initial(entry: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    initial = {name: getattr(entry, name, None) for name in form_class.base_fields}
    date_field = next(
        (n for n in form_class.base_fields if n.endswith("_on") and n != "quit_on"), None
    )
    if date_field:
        initial[date_field] = entry.on
    if "value" in initial and hasattr(entry, "value_as_recorded"):
        initial["value"], initial["unit"] = entry.value_as_recorded, entry.unit_as_recorded
    if "class" in form_class.base_fields:
        initial["class"] = entry.drug_class
    return initial


# Medicine plans are a clinician's decision (their own row); other entries are the clinic's.
record = page(Op.PAGE_CLINIC_RECORD)(_record)
correct = page(Op.PAGE_CLINIC_RECORD)(_correct)
record_medicine_plan = page(Op.PAGE_MEDICINE_PLAN)(_record)
correct_medicine_plan = page(Op.PAGE_MEDICINE_PLAN)(_correct)


@page(Op.PAGE_OPERATION_DATE)
def operation_date(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = episode_of(request, episode_id)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    raw = request.POST.get("operation_on", "").strip()
    try:
        try:
            chosen = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise InvalidInput(ErrorCode.INVALID_VALUE, "give a date", "operation_on") from None
        readiness.plan_operation(
            episode=episode,
            operation_on=chosen,
            by=user_of(request),
            via=Via.WEB,
            reason=request.POST.get("reason", ""),
        )
    except CoxaError as error:
        if error.status not in (400, 409):
            raise
        episode.refresh_from_db()
        return _clinic(request, episode, status=400, date_error=error)
    messages.success(
        request,
        "Planned operation date saved; medicine stop dates follow it."
        if chosen
        else "Planned operation date cleared.",
    )
    return redirect("assessment:clinic", episode_id=episode.public_id)


@page(Op.PAGE_ACKNOWLEDGE)
def acknowledge(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """A surgeon acknowledges the hip's candidacy cautions, with the reason."""
    episode = episode_of(request, episode_id)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    try:
        readiness.acknowledge_cautions(
            episode=episode,
            reason=request.POST.get("reason", ""),
            by=user_of(request),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status not in (400, 409):
            raise
        episode.refresh_from_db()
        return _clinic(request, episode, status=400, acknowledge_error=error)
    messages.success(request, "Cautions acknowledged.")
    return redirect("assessment:clinic", episode_id=episode.public_id)


@page(Op.PAGE_DECISION, post=Op.PAGE_DECIDE)
def episode_decision(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = episode_of(request, episode_id)
    user = user_of(request)
    if request.method == "POST":
        stored = decisions.decide_for_episode(episode=episode, by=user, via=Via.WEB)
        messages.success(
            request, f"Evaluated: candidacy {stored.candidacy}, readiness {stored.readiness}."
        )
        return redirect("assessment:decision", episode_id=episode.public_id)
    history = selectors.decisions_of(episode)
    return render(
        request,
        "assessment/decision.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "latest": history[0] if history else None,
            "history": history,
            "can_decide": can(user.role, Capability.MOVE_EPISODES),
        },
    )
