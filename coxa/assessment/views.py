"""Staff pages for pre-assessment.

The nurse's clinic for an episode, corrections, the decision, the letter, and the
pre-assessment worklist with its CSV export.
"""

import csv
import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.assessment import selectors
from coxa.assessment.domain.entries import Kind
from coxa.assessment.forms import form_for, payload
from coxa.assessment.services import decisions, entries, readiness
from coxa.assessment.worklist import (
    COUNT_CAP,
    SORTS,
    WorklistQuery,
    flags_of,
    page_of,
    worklist,
)
from coxa.catalogue.registry import all_procedures
from coxa.core import audit, clock
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.pagination import page_request
from coxa.core.web import add_problems, page, page_number, query_without_page
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode, sees_identities

KINDS_SHOWN = tuple(Kind)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by @page
    return request.user


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    user = _user(request)
    if not sees_identities(user):
        raise Http404("no such page")
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _kind(name: str) -> Kind:
    try:
        return Kind(name)
    except ValueError:
        raise Http404("no such kind of entry") from None


def _clinic(
    request: HttpRequest,
    episode: Episode,
    forms: dict[str, Any] | None = None,
    status: int = 200,
    acknowledge_error: CoxaError | None = None,
) -> HttpResponse:
    snapshot = selectors.readiness_of(episode)
    panel = readiness.evaluate_episode(episode).panel
    user = _user(request)
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
                if can(user.role, entries.NEEDS.get(Kind(k), Capability.MOVE_EPISODES))
            },
            "history": {
                k.value: list(selectors.entries(k, episode, current_only=False)[:20])
                for k in KINDS_SHOWN
            },
            "can_record": any(
                can(user.role, entries.NEEDS.get(k, Capability.MOVE_EPISODES)) for k in Kind
            ),
            "can_acknowledge": can(user.role, Capability.ACKNOWLEDGE_CAUTIONS),
            "can_decide_medicines": can(user.role, Capability.DECIDE_MEDICINES),
            "snapshot": snapshot,
            "acknowledge_error": acknowledge_error,
        },
        status=status,
    )


@page
def clinic(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The pre-assessment clinic: the readiness panel, and a form for each kind of entry."""
    return _clinic(request, _episode(request, episode_id))


@page
def record(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    episode, entry_kind = _episode(request, episode_id), _kind(kind)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    form = form_for(entry_kind)(request.POST)
    if form.is_valid():
        try:
            entries.record_entry(
                kind=entry_kind,
                episode=episode,
                payload=payload(form),
                by=_user(request),
                via=Via.WEB,
            )
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(request, f"{entry_kind.value.capitalize()} recorded.")
            return redirect("assessment:clinic", episode_id=episode.public_id)
    episode.refresh_from_db()
    forms = {k.value: form_for(k)() for k in KINDS_SHOWN} | {entry_kind.value: form}
    return _clinic(request, episode, forms, status=400)


@page
def correct(
    request: HttpRequest, episode_id: uuid.UUID, kind: str, entry_id: uuid.UUID
) -> HttpResponse:
    """Correct an entry: a new entry supersedes it, with the reason; the old one stays."""
    episode, entry_kind = _episode(request, episode_id), _kind(kind)
    old = selectors.entries(entry_kind, episode).filter(public_id=entry_id).first()
    if old is None:
        raise Http404("no current entry with this id")
    form_class = form_for(entry_kind, correction=True)
    form = form_class(request.POST or None, initial=_initial(old, form_class))
    if request.method == "POST" and form.is_valid():
        try:
            entries.record_entry(
                kind=entry_kind,
                episode=episode,
                payload=payload(form),
                by=_user(request),
                via=Via.WEB,
                corrects=str(entry_id),
                reason=form.cleaned_data["reason"],
            )
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(request, "Correction recorded; the earlier entry is kept.")
            return redirect("assessment:clinic", episode_id=episode.public_id)
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


@page
def operation_date(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    if request.method == "POST":
        raw = request.POST.get("operation_on", "").strip()
        try:
            chosen = dt.date.fromisoformat(raw) if raw else None
            readiness.plan_operation(
                episode=episode,
                operation_on=chosen,
                by=_user(request),
                via=Via.WEB,
                reason=request.POST.get("reason", ""),
            )
        except ValueError:
            messages.error(request, "Operation date: give a date as YYYY-MM-DD.")
        except CoxaError as error:
            messages.error(request, f"Operation date: {error.message}")
        else:
            messages.success(request, "Operation date saved; medicine stop dates updated.")
    return redirect("assessment:clinic", episode_id=episode.public_id)


@page
def acknowledge(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """A surgeon acknowledges the hip's candidacy cautions, with the reason."""
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("assessment:clinic", episode_id=episode.public_id)
    try:
        readiness.acknowledge_cautions(
            episode=episode,
            reason=request.POST.get("reason", ""),
            by=_user(request),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status not in (400, 409):
            raise
        episode.refresh_from_db()
        return _clinic(request, episode, status=400, acknowledge_error=error)
    messages.success(request, "Cautions acknowledged.")
    return redirect("assessment:clinic", episode_id=episode.public_id)


@page
def episode_decision(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    user = _user(request)
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


def letter_context(episode: Episode) -> dict[str, Any]:
    evaluation = readiness.evaluate_episode(episode)
    document, panel = evaluation.document, evaluation.panel
    return {
        "episode": episode,
        "patient": episode.patient,
        "panel": panel,
        # From the same evaluation: a smoking status past its validity is not used.
        "smokes": document.get("smoking") == "current",
        "today": clock.today(),
    }


@page
def letter(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The "getting ready for your operation" letter as a page."""
    episode = _episode(request, episode_id)
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


@page
def letter_pdf(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    return letter_pdf_response(_episode(request, episode_id), _user(request))


def _query(request: HttpRequest) -> WorklistQuery:
    return WorklistQuery(
        flag=request.GET.get("flag", ""),
        procedure=request.GET.get("procedure", ""),
        state=request.GET.get("state", ""),
        sort=request.GET.get("sort", "operation") or "operation",
    )


@page
def worklist_page(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    context: dict[str, Any] = {
        "query": query,
        "procedures": all_procedures(),
        "sorts": tuple(SORTS),
        "today": clock.today(),
    }
    try:
        shown, count = page_of(
            actor=_user(request),
            query=query,
            page=page_request(page_number(request), 50),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - bad filters are shown on the page
            raise
        context["error"] = error
        return render(request, "assessment/worklist.html", context, status=400)
    today = clock.today()
    context |= {
        "rows": [(e, flags_of(e, today)) for e in shown],
        "count": count,
        "capped": count > COUNT_CAP,
        "cap": COUNT_CAP,
        "page_number": page_number(request),
        "has_next": page_number(request) * 50 < count,
        "query_string": query_without_page(request),
    }
    return render(request, "assessment/worklist.html", context)


@page
def worklist_csv(request: HttpRequest) -> HttpResponse:
    """The worklist as CSV (the whole filtered list, not one page)."""
    user = _user(request)
    query = _query(request)
    try:
        episodes = worklist(actor=user, query=query)
    except CoxaError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain")
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="pre-assessment-worklist.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "episode_id",
            "patient",
            "hospital_number",
            "side",
            "procedure",
            "state",
            "operation_on",
            "readiness",
            "missing",
            "expired",
            "unactioned",
            "first_stop_on",
            "flags",
        ]
    )
    today = clock.today()
    count = 0
    for episode in episodes.iterator(chunk_size=2000):
        snapshot = getattr(episode, "readiness", None)
        writer.writerow(
            [
                episode.public_id,
                episode.patient.display_name,
                episode.patient.hospital_number or "",
                episode.side,
                episode.procedure,
                episode.state,
                episode.operation_on or "",
                snapshot.readiness if snapshot else "not assessed",
                snapshot.missing_count if snapshot else "",
                snapshot.expired_count if snapshot else "",
                snapshot.unactioned_count if snapshot else "",
                (snapshot.first_stop_on or "") if snapshot else "",
                " ".join(flags_of(episode, today)),
            ]
        )
        count += 1
    audit.record(
        actor=user,
        action="worklist.pre-assessment.export",
        object_type="worklist",
        summary=f"Pre-assessment worklist exported ({count} rows)",
        details={"filters": {k: v for k, v in vars(query).items() if v}},
    )
    return response
