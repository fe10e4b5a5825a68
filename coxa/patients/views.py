"""Pages for finding, registering and correcting patients (staff workspace)."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.core.pagination import page_request
from coxa.core.web import page_number, query_without_page
from coxa.patients import selectors, services
from coxa.patients.domain import PatientDetails
from coxa.patients.forms import (
    PatientEditForm,
    PatientForm,
    PatientRegisterForm,
    PatientSearchForm,
)
from coxa.patients.models import Patient

# The last search, kept in the session: the form posts it, so it is never in a URL.
SEARCH_KEY = "patients.search"


@page(Op.PAGE_PATIENT_SEARCH)
def search(request: HttpRequest) -> HttpResponse:
    """Post, redirect, get: the terms go in the body and the session, never the address.

    ``?q=`` (an old link) is still answered, but no page of Coxa's makes one.
    """
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_KEY] = form.cleaned_data["q"]
            return redirect("patients:search")
    else:
        form = PatientSearchForm({"q": request.GET.get("q", request.session.get(SEARCH_KEY, ""))})
    q = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.search_patients(
        actor=user_of(request), q=q, page=page_request(page_number(request), 25), via=Via.WEB
    )
    return render(
        request,
        "patients/search.html",
        {
            "form": form,
            "q": q,
            "found": found,
            "page_number": found.page.number,
            "has_next": found.has_next,
            "query_string": query_without_page(request),
        },
    )


@page(Op.PAGE_PATIENT_CREATE)
def create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Capability.EDIT_PATIENTS)
    form = PatientRegisterForm(request.POST or None)
    matches: list[Patient] = []
    if request.method == "POST":
        registered: list[Patient] = []

        def register(details: PatientDetails) -> str:
            registered.append(
                services.register_patient(
                    details=details,
                    by=user,
                    via=Via.WEB,
                    confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                    not_duplicate_reason=form.cleaned_data["not_duplicate_reason"],
                )
            )
            return reverse("pathways:patient", kwargs={"patient_id": registered[0].public_id})

        def once(details: PatientDetails) -> Submitted:
            try:
                return submit_once(request, "patients.create", lambda: register(details))
            except services.PossibleDuplicate as refused:  # shown beside the form, then placed
                matches.extend(
                    selectors.shown_duplicates(actor=user, patients=refused.matches, via=Via.WEB)
                )
                raise

        done = submit(form, lambda _: form.details(), once)
        if done is not None:
            messages.success(
                request,
                f"{registered[0].display_name} registered."
                if registered
                else "This form had already been sent: here is the patient it registered.",
            )
            return redirect(done.url)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": "Register a patient", "matches": matches},
        status=status_of(form),
    )


@page(Op.PAGE_PATIENT_EDIT)
def edit(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    require(user, Capability.EDIT_PATIENTS)
    patient = selectors.access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    initial = {f: getattr(patient, f) or "" for f in PatientForm.base_fields}
    initial["date_of_birth"] = patient.date_of_birth
    initial["date_of_death"] = patient.date_of_death
    form = PatientEditForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def save(details: PatientDetails) -> Patient:
            return services.update_patient(
                patient=patient,
                details=details,
                by=user,
                via=Via.WEB,
                reason=form.cleaned_data["reason"],
            )

        if submit(form, lambda _: form.details(), save) is not None:
            messages.success(request, "Details saved.")
            return redirect("pathways:patient", patient_id=patient.public_id)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": f"Change details: {patient.display_name}", "patient": patient},
        status=status_of(form),
    )
