"""The nurse's clinic for an episode: entries, corrections, cautions, the date, decisions."""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op, admits
from coxa.assessment import selectors
from coxa.assessment.domain.described import described
from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.labels import KIND_TITLES, words
from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.forms import AcknowledgeForm, OperationDateForm, form_for, payload
from coxa.assessment.services import decisions, entries, readiness
from coxa.assessment.views.page import episode_of, kind_of
from coxa.assessment.views.sections import part_of, part_title, sections, wanting
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import submit_once
from coxa.pathways.models import Episode
from coxa.terminology.units import ucum


def _clinic(
    request: HttpRequest,
    episode: Episode,
    status: int = 200,
    *,
    sent: tuple[str, forms.Form] | None = None,
    acknowledge_form: AcknowledgeForm | None = None,
    date_form: OperationDateForm | None = None,
) -> HttpResponse:
    """The clinic: the summary (readiness, what is wanting), then a section a kind of record.

    ``sent``: the section and the form sent back with problems (that section opens).
    """
    panel = readiness.evaluate_episode(episode).panel
    user = user_of(request)
    shown, needs = sections(episode, user, panel, sent=sent)
    stops_wanted = any(s.needs_decision or s.late for s in panel.medication_stops)
    return render(
        request,
        "assessment/clinic.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "panel": panel,
            "sections": shown,
            "wanting": wanting(needs),
            "blockers": [
                (p, next((n.part for n in needs if n.code == p.ref), None))
                for p in panel.gate.problems
            ],
            "elsewhere": [n for n in needs if n.part is None],
            "can_acknowledge": can(user.role, Capability.ACKNOWLEDGE_CAUTIONS),
            "can_plan_date": admits(Op.PAGE_OPERATION_DATE, user.role),
            "snapshot": selectors.readiness_of(episode),
            "before_operation": episode.state_enum in TRACKED,
            "acknowledgement": selectors.acknowledgement_of(episode),
            "acknowledge_form": acknowledge_form or AcknowledgeForm(),
            "date_form": date_form
            or OperationDateForm(initial={"operation_on": episode.operation_on}),
            "date_open": date_form is not None,
            "stops_open": stops_wanted,
            "policy": words(panel.policy).lower(),
        },
        status=status,
    )


@page(Op.PAGE_CLINIC)
def clinic(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The pre-assessment clinic: the summary first, then a section a kind of record."""
    return _clinic(request, episode_of(request, episode_id))


def _back(episode: Episode, key: str) -> str:
    """The clinic, at the section just recorded (its summary now shows the new entry)."""
    url = reverse("assessment:clinic", kwargs={"episode_id": episode.public_id})
    return f"{url}#section-{key}"


def _record(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    """Record an entry of one kind from its clinic form."""
    episode, entry_kind = episode_of(request, episode_id), kind_of(kind)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    code = request.POST.get("code") if entry_kind is Kind.OBSERVATION else None
    user = user_of(request)
    form = form_for(entry_kind, code=code, clinician=can(user.role, Capability.DECIDE_MEDICINES))(
        request.POST
    )
    key = part_of(entry_kind, code)

    def record_one(entry: dict[str, Any]) -> Any:
        def record() -> str:
            entries.record_entry(
                kind=entry_kind, episode=episode, payload=entry, by=user, via=Via.WEB
            )
            return _back(episode, key)

        return submit_once(request, f"assessment.{entry_kind.value}", record)

    done = submit(form, lambda _: payload(form), record_one)
    if done is not None:
        messages.success(
            request,
            "This form had already been sent: the entry was recorded once."
            if done.again
            else f"{part_title(key)}: recorded.",
        )
        return redirect(done.url)
    episode.refresh_from_db()
    return _clinic(request, episode, status=400, sent=(key, form))


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
    user = user_of(request)
    form_class = form_for(
        entry_kind,
        correction=True,
        code=getattr(old, "code", None),
        clinician=can(user.role, Capability.DECIDE_MEDICINES),
    )
    form = form_class(request.POST or None, initial=_initial(old, form_class))
    if request.method == "POST":

        def correct_one(entry: dict[str, Any]) -> Any:
            def correct() -> str:
                entries.record_entry(
                    kind=entry_kind,
                    episode=episode,
                    payload=entry,
                    by=user,
                    via=Via.WEB,
                    corrects=str(entry_id),
                    reason=form.cleaned_data["reason"],
                )
                return _back(episode, part_of(entry_kind, getattr(old, "code", None)))

            return submit_once(request, f"assessment.correct.{entry_id}", correct)

        done = submit(form, lambda _: payload(form), correct_one)
        if done is not None:
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
        {
            "episode": episode,
            "patient": episode.patient,
            "form": form,
            "old": described(entry_kind, old),
            "old_on": old.on,
            "title": KIND_TITLES[entry_kind],
            "kind": entry_kind.value,
        },
        status=status_of(form),
    )


def _initial(entry: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    initial = {name: getattr(entry, name, None) for name in form_class.base_fields}
    date_field = next(
        (n for n in form_class.base_fields if n.endswith("_on") and n != "quit_on"), None
    )
    if date_field:
        initial[date_field] = entry.on
    if "value" in initial and hasattr(entry, "value_as_recorded"):
        initial["value"], initial["unit"] = entry.value_as_recorded, ucum(entry.unit_as_recorded)
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
    form = OperationDateForm(request.POST)

    def plan(data: dict[str, Any]) -> str:
        readiness.plan_operation(
            episode=episode,
            operation_on=data["operation_on"],
            by=user_of(request),
            via=Via.WEB,
            reason=data["reason"],
        )
        if data["operation_on"]:
            return "Planned operation date saved; medicine stop dates follow it."
        return "Planned operation date cleared."

    done = submit(form, lambda data: data, plan)
    if done is None:
        episode.refresh_from_db()
        return _clinic(request, episode, status=400, date_form=form)
    messages.success(request, done)
    return redirect("assessment:clinic", episode_id=episode.public_id)


@page(Op.PAGE_ACKNOWLEDGE)
def acknowledge(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """A surgeon acknowledges the hip's candidacy cautions, with the reason."""
    episode = episode_of(request, episode_id)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    form = AcknowledgeForm(request.POST)

    def acknowledge_them(data: dict[str, Any]) -> str:
        readiness.acknowledge_cautions(
            episode=episode, reason=data["reason"], by=user_of(request), via=Via.WEB
        )
        return "Cautions acknowledged."

    done = submit(form, lambda data: data, acknowledge_them)
    if done is None:
        episode.refresh_from_db()
        return _clinic(request, episode, status=400, acknowledge_form=form)
    messages.success(request, done)
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
            "can_decide": can(user.role, Capability.RECORD_DECISIONS),
        },
    )
