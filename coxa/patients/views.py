"""Pages for finding, registering and correcting patients (staff workspace)."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.pagination import page_request
from coxa.core.web import add_problems, page, page_number, query_without_page
from coxa.patients import selectors, services
from coxa.patients.forms import PatientEditForm, PatientForm


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by @page
    return request.user


@page
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    found = selectors.search_patients(
        actor=_user(request), q=q, page=page_request(page_number(request), 25), via=Via.WEB
    )
    return render(
        request,
        "patients/search.html",
        {
            "q": q,
            "found": found,
            "page_number": found.page.number,
            "has_next": found.has_next,
            "query_string": query_without_page(request),
        },
    )


@page
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Capability.EDIT_PATIENTS)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.register_patient(details=form.details(), by=user, via=Via.WEB)
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(request, f"{patient.display_name} registered.")
            return redirect("pathways:patient", patient_id=patient.public_id)
    return render(request, "patients/form.html", {"form": form, "title": "Register a patient"})


@page
def edit(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    require(user, Capability.EDIT_PATIENTS)
    patient = selectors.access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    initial = {f: getattr(patient, f) or "" for f in PatientForm.base_fields}
    initial["date_of_birth"] = patient.date_of_birth
    initial["date_of_death"] = patient.date_of_death
    form = PatientEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(
                patient=patient,
                details=form.details(),
                by=user,
                via=Via.WEB,
                reason=form.cleaned_data["reason"],
            )
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(request, "Details saved.")
            return redirect("pathways:patient", patient_id=patient.public_id)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": f"Change details: {patient.display_name}", "patient": patient},
    )
