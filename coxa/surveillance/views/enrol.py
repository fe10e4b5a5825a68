"""Enrol a hip operated before Coxa or at another hospital, from the patient's chart."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.patients.selectors import access_patient
from coxa.surveillance.domain.inputs import EnrolIn
from coxa.surveillance.forms.enrol import EnrolForm
from coxa.surveillance.services import enrolment as enrolling


@page(Op.PAGE_SURVEILLANCE_ENROL)
def enrol_by_hand(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    patient = access_patient(actor=user, patient_id=patient_id, via=Via.WEB)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def enrol(entry: EnrolIn) -> Submitted:
            def create() -> str:
                enrolment = enrolling.enrol_by_hand(
                    patient=patient, entry=entry, by=user, via=Via.WEB
                )
                return reverse(
                    "surveillance:hip", kwargs={"episode_id": enrolment.episode.public_id}
                )

            return submit_once(request, "surveillance.enrol-by-hand", create)

        done = submit(form, form.entry, enrol)
        if done is not None:
            messages.success(
                request,
                "This form had already been sent: the hip was enrolled once."
                if done.again
                else "Hip enrolled for lifelong metal-on-metal surveillance.",
            )
            return redirect(done.url)
    return render(
        request,
        "surveillance/enrol.html",
        {"patient": patient, "form": form},
        status=status_of(form),
    )
