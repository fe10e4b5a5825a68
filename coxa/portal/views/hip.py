"""One of the patient's own hips: the journey, the dates, exercises, letters, plans, checks."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.contacts import service_contacts
from coxa.portal.selectors import access_hip


@page(Op.PAGE_PORTAL_HIP)
def my_hip(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Everything about one hip in plain words (another patient's hip: as if none existed)."""
    hip = access_hip(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    return render(request, "portal/hip.html", {"hip": hip, "contacts": service_contacts()})
