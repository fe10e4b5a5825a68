"""Pages: the public consultation request, and the staff's triage queue (issue 17)."""

import uuid
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from coxa.accounts.access import page, public, user_of
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.contacts import service_contacts
from coxa.core.errors import CoxaError, ErrorCode, InvalidInput, NotFound
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import FIELD as SUBMISSION_KEY
from coxa.core.idempotency import Submitted, submit_once
from coxa.core.pagination import PageRequest
from coxa.core.web import page_number, query_without_page
from coxa.core.words import short_date
from coxa.core.worklists import PAGE_SIZE
from coxa.enquiries import selectors, services, worklist
from coxa.enquiries.domain import NOT_SURE, EnquiryIn, Status, split_name
from coxa.enquiries.forms import NEW_PATIENT, ConsultationForm, ConvertForm, StatusForm
from coxa.enquiries.models import Enquiry
from coxa.patients import selectors as patient_selectors
from coxa.patients.models import Patient
from coxa.patients.services import PossibleDuplicate

_KEY_LONGEST = 64


# ------------------------------------------------------------------ the public form
@never_cache
@public(Op.PAGE_CONSULTATION)
def request_consultation(request: HttpRequest) -> HttpResponse:
    """The form; a request kept (marked or not) always leads to the same confirmation."""
    form = ConsultationForm(request.POST or None)
    if request.method == "POST":
        key = request.POST.get(SUBMISSION_KEY, "")[:_KEY_LONGEST]
        # The client's address: the connection's, or the one trusted proxies give
        # (COXA_TRUSTED_PROXY_COUNT, as the sign-in lock-out reads it); never a header a
        # client could write itself.
        client = str(get_client_ip_address(request) or "")

        def receive(entry: EnquiryIn) -> services.Received:
            return services.receive_enquiry(
                entry=entry,
                client=client,
                automated=form.trap_filled(),
                submission_key=key,
                via=Via.WEB,
            )

        received = submit(form, lambda _: form.entry(), receive)
        if received is not None:
            if not received.again:
                services.send_confirmation(received.enquiry)
            return redirect("enquiries:sent")
    return render(request, "enquiries/request.html", {"form": form}, status=status_of(form))


@public(Op.PAGE_CONSULTATION)
def sent(request: HttpRequest) -> HttpResponse:
    """What happens next; nothing of what was typed (no address is shown back)."""
    return render(request, "enquiries/sent.html", {"contacts": service_contacts()})


# ------------------------------------------------------------------ the triage queue
@page(Op.PAGE_ENQUIRIES)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    context: dict[str, Any] = {"status": status, "statuses": list(Status)}
    try:
        listed = worklist.list_enquiries(
            actor=user_of(request),
            status=status,
            page=PageRequest(page_number(request), PAGE_SIZE),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - only a bad filter is shown on the page
            raise
        context["error"] = error
        return render(request, "enquiries/queue.html", context, status=400)
    context |= {
        "listed": listed,
        "page_number": listed.number,
        "has_next": listed.has_next,
        "query_string": query_without_page(request),
    }
    return render(request, "enquiries/queue.html", context)


@page(Op.PAGE_ENQUIRY)
def detail(request: HttpRequest, enquiry_id: uuid.UUID) -> HttpResponse:
    """One request: what was asked, its marks and history; a change of status (POST)."""
    user = user_of(request)
    enquiry = selectors.access_enquiry(actor=user, enquiry_id=enquiry_id, via=Via.WEB)
    form = StatusForm(request.POST or None)
    if request.method == "POST":

        def change(data: dict[str, object]) -> Enquiry:
            return services.change_status(
                enquiry=enquiry,
                to=str(data["status"]),
                note=str(data.get("note") or ""),
                by=user,
                via=Via.WEB,
            )

        if submit(form, lambda data: data, change) is not None:
            messages.success(request, "Status changed.")
            return redirect("enquiries:detail", enquiry_id=enquiry.public_id)
    return render(
        request,
        "enquiries/detail.html",
        {"enquiry": enquiry, "history": selectors.history_of(enquiry), "form": form},
        status=status_of(form),
    )


def _described(patient: Patient) -> str:
    born = f"born {short_date(patient.date_of_birth)}"
    number = f", hospital number {patient.hospital_number}" if patient.hospital_number else ""
    return f"{patient.display_name}, {born}{number}"


def _initial(enquiry: Enquiry) -> dict[str, object]:
    given, family = split_name(enquiry.name)
    procedure = "" if enquiry.procedure == NOT_SURE else enquiry.procedure
    return {"given_name": given, "family_name": family, "procedure": procedure}


@page(Op.PAGE_ENQUIRY_CONVERT)
def convert(request: HttpRequest, enquiry_id: uuid.UUID) -> HttpResponse:
    """Turn the request into a patient and a referral: possible matches first."""
    user = user_of(request)
    # TRIAGE_ENQUIRIES admits the page; every role holding it also registers patients and
    # opens episodes (tests/test_queue_pages.py), and convert_enquiry checks all three again.
    enquiry = selectors.access_enquiry(actor=user, enquiry_id=enquiry_id, via=Via.WEB)
    if enquiry.is_booked:  # the request's page says what it became; no flash (ADR 0016)
        return redirect("enquiries:detail", enquiry_id=enquiry.public_id)
    candidates = selectors.possible_patients(actor=user, enquiry=enquiry, via=Via.WEB)
    matches: list[Patient] = []
    shown = {p.public_id: p for p in candidates}
    posted = request.POST.get("patient", "") if request.method == "POST" else ""
    chosen = _chosen(user, posted)
    if chosen is not None:
        shown.setdefault(chosen.public_id, chosen)
    form = ConvertForm(
        request.POST or None,
        initial=_initial(enquiry),
        candidates=[(str(p.public_id), _described(p)) for p in shown.values()],
    )
    if request.method == "POST":
        done = _convert(request, form, enquiry, chosen, matches)
        if done is not None:
            messages.success(request, "Request turned into a patient and a referral.")
            return redirect(done.url)
        if matches:
            form.fields["patient"].choices = [  # type: ignore[attr-defined]
                *[(str(p.public_id), _described(p)) for p in matches if p.public_id not in shown],
                *form.fields["patient"].choices,  # type: ignore[attr-defined]
            ]
    return render(
        request,
        "enquiries/convert.html",
        {"enquiry": enquiry, "candidates": candidates, "matches": matches, "form": form},
        status=status_of(form),
    )


def _chosen(user: User, posted: str) -> Patient | None:
    """The registered patient chosen on the form (None for a new one, or nothing chosen)."""
    if not posted or posted == NEW_PATIENT:
        return None
    try:
        patient_id = uuid.UUID(posted)
    except ValueError:
        return None
    try:
        return patient_selectors.access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    except NotFound:
        return None


def _convert(
    request: HttpRequest,
    form: ConvertForm,
    enquiry: Enquiry,
    chosen: Patient | None,
    matches: list[Patient],
) -> Submitted | None:
    user = user_of(request)

    def create() -> str:
        converted = services.convert_enquiry(
            enquiry=enquiry,
            side=str(form.cleaned_data["side"]),
            procedure=str(form.cleaned_data["procedure"]),
            by=user,
            via=Via.WEB,
            patient=None if form.is_new else chosen,
            details=form.details(email=enquiry.email, phone=enquiry.phone) if form.is_new else None,
            confirm_not_duplicate=bool(form.cleaned_data.get("confirm_not_duplicate")),
            not_duplicate_reason=str(form.cleaned_data.get("not_duplicate_reason") or ""),
        )
        return reverse("pathways:patient", kwargs={"patient_id": converted.patient.public_id})

    def once(_: object) -> Submitted:
        if not form.is_new and chosen is None:
            raise InvalidInput(
                ErrorCode.REQUIRED, "choose a patient listed, or a new patient", "patient"
            )
        try:
            return submit_once(request, "enquiries.convert", create)
        except PossibleDuplicate as refused:  # shown beside the form, then placed
            matches.extend(
                patient_selectors.shown_duplicates(
                    actor=user, patients=refused.matches, via=Via.WEB
                )
            )
            raise

    return submit(form, lambda data: data, once)
