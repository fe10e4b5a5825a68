"""One hip's metal-on-metal surveillance page, and enrolling the hip from its signed note.

The page shows the enrolment, the rule and table version behind the next due date with
their sources (and, while the table is not checked by the clinical lead, that every hip has
the conservative default), the next check and open flags, every result, study and review
(struck-out ones marked), each review's explained recommendation and what a review today
would recommend.
"""

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.core.errors import Conflict
from coxa.core.forms import status_of
from coxa.core.idempotency import submit_once
from coxa.surveillance import selectors
from coxa.surveillance.domain.schedule import Next
from coxa.surveillance.selectors import HipSurveillance
from coxa.surveillance.services import enrolment as enrolling
from coxa.surveillance.views import shown as words

Strike = tuple[str, uuid.UUID, forms.Form]  # kind, the record, its refused form


def context_of(hip: HipSurveillance, *, may_record: bool) -> dict[str, object]:
    enrolment = hip.enrolment
    chosen = hip.chosen
    next_kind = ""
    if enrolment is not None and enrolment.next_kind:
        next_kind = Next(enrolment.next_kind).label
    return {
        "hip": hip,
        "episode": hip.episode,
        "patient": hip.episode.patient,
        "enrolment": enrolment,
        "implant": words.implant_label(enrolment.implant) if enrolment else "",
        "implants": list(enrolment.implants.all()) if enrolment else [],
        "chosen": chosen,
        "rule_sources": words.cited(chosen.rule.sources),
        "next_kind": next_kind,
        "enrolment_rule": words.rule_title(enrolment.rule_code) if enrolment else "",
        "results": [words.result_of(r) for r in hip.results],
        "studies": [words.study_of(s) for s in hip.studies],
        "reviews": [words.review_of(r) for r in reversed(hip.reviews)],
        "advice_now": words.advice_of(hip.advice_now.as_json()) if hip.advice_now else None,
        "may_record": may_record and hip.active,
        "may_enrol": may_record and hip.enrollable,
        "concern_ug_per_l": f"{get_catalogue().surveillance.blood_metals.concern_above_ug_per_l:g}",
    }


def show(
    request: HttpRequest,
    hip: HipSurveillance,
    *,
    strike: Strike | None = None,
    enrol_problem: str = "",
) -> HttpResponse:
    user = user_of(request)
    context = context_of(hip, may_record=can(user.role, Capability.RECORD_SURVEILLANCE))
    context["strike"] = strike
    context["enrol_problem"] = enrol_problem
    status = status_of(strike[2]) if strike else 200
    if enrol_problem:
        status = 409
    return render(request, "surveillance/hip.html", context, status=status)


@page(Op.PAGE_SURVEILLANCE)
def hip_page(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    hip = selectors.access_surveillance(actor=user_of(request), episode_id=episode_id, via=Via.WEB)
    return show(request, hip)


@page(Op.PAGE_SURVEILLANCE_ENROL)
def enrol_now(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Enrol a hip from its signed note now, rather than at the nightly sweep."""
    user = user_of(request)
    hip = selectors.access_surveillance(actor=user, episode_id=episode_id, via=Via.WEB)
    if request.method != "POST":  # a hip that does not exist is a 404 here too
        return redirect("surveillance:hip", episode_id=episode_id)

    def create() -> str:
        enrolling.enrol_episode(episode=hip.episode, by=user, via=Via.WEB)
        return reverse("surveillance:hip", kwargs={"episode_id": episode_id})

    try:
        done = submit_once(request, "surveillance.enrol", create)
    except Conflict as refused:
        return show(request, hip, enrol_problem=refused.message)
    messages.success(
        request,
        "This form had already been sent: the hip was enrolled once."
        if done.again
        else "Enrolled for lifelong metal-on-metal surveillance.",
    )
    return redirect(done.url)
