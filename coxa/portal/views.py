"""The public home page and the patient's own records."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.domain import Role, is_staff_role
from coxa.accounts.models import User
from coxa.assessment.views import letter_context
from coxa.core.audit import Via
from coxa.core.web import page
from coxa.pathways.selectors import access_episode, episodes_of
from coxa.patients.selectors import access_patient, patient_of_user
from coxa.portal.domain import explain


def home(request: HttpRequest) -> HttpResponse:
    """The public front page."""
    return render(request, "portal/home.html")


@page
def my_records(request: HttpRequest) -> HttpResponse:
    """A patient's own details and hip episodes, explained in plain words."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @page
    if is_staff_role(user.role):
        return redirect("staff-home")
    if user.role != Role.PATIENT:
        return render(request, "portal/no_record.html", status=403)
    record = patient_of_user(user)
    if record is None:
        return render(request, "portal/no_record.html")
    patient = access_patient(actor=user, patient_id=record.public_id, via=Via.WEB)
    episodes = [(e, explain(e.state_enum)) for e in episodes_of(patient)]
    return render(request, "portal/my_records.html", {"patient": patient, "episodes": episodes})


@page
def my_letter(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The patient's own "getting ready for your operation" letter for one hip."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @page
    episode = access_episode(actor=user, episode_id=episode_id, via=Via.WEB)
    return render(request, "assessment/letter.html", letter_context(episode))
