"""The record forms of one hip's surveillance: blood metal levels, imaging, a review.

Any of them entered in error is struck out with a reason.

Each form is its own page (GET draws it, POST records once per form key); a refusal is shown
beside its field with status 400 and what was typed kept; a recorded review lands on the
hip's page at the review, with its recommendation and reasons.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.forms import PageForm, status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.surveillance import selectors
from coxa.surveillance.forms.records import (
    ImagingForm,
    MetalIonsForm,
    ReviewForm,
    StrikeOutForm,
)
from coxa.surveillance.selectors import HipSurveillance
from coxa.surveillance.services import records, reviews
from coxa.surveillance.views import shown as words
from coxa.surveillance.views.hip import show

KINDS = {"result": "result", "imaging": "imaging study", "review": "review"}


def _hip(request: HttpRequest, episode_id: uuid.UUID) -> HipSurveillance:
    return selectors.access_surveillance(actor=user_of(request), episode_id=episode_id, via=Via.WEB)


def _hip_url(hip: HipSurveillance, anchor: str = "") -> str:
    url = reverse("surveillance:hip", kwargs={"episode_id": hip.episode.public_id})
    return f"{url}#{anchor}" if anchor else url


def _form_page(
    request: HttpRequest,
    hip: HipSurveillance,
    form: PageForm,
    template: str,
    **extra: Any,
) -> HttpResponse:
    context = {
        "hip": hip,
        "episode": hip.episode,
        "patient": hip.episode.patient,
        "form": form,
        "open": hip.active or hip.enrollable,
        **extra,
    }
    return render(request, template, context, status=status_of(form))


def _record(
    request: HttpRequest,
    hip: HipSurveillance,
    form: MetalIonsForm | ImagingForm | ReviewForm,
    purpose: str,
    make: Callable[[Any], str],
) -> str | None:
    """Record once per form key; the address to go to, or None (the form shows why not)."""

    def once(entry: Any) -> Submitted:
        return submit_once(request, purpose, lambda: make(entry))

    done = submit(form, form.entry, once)
    if done is None:
        return None
    if done.again:
        messages.success(request, "This form had already been sent: it was recorded once.")
    return done.url


@page(Op.PAGE_SURVEILLANCE_RECORD)
def record_result(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    hip = _hip(request, episode_id)
    user = user_of(request)
    form = MetalIonsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def make(entry: Any) -> str:
            result = records.record_metal_ions(
                episode=hip.episode, entry=entry, by=user, via=Via.WEB
            )
            messages.success(request, "Blood metal levels recorded.")
            return _hip_url(hip, f"result-{result.public_id}")

        url = _record(request, hip, form, "surveillance.metal-ions", make)
        if url is not None:
            return redirect(url)
    return _form_page(request, hip, form, "surveillance/record_result.html")


@page(Op.PAGE_SURVEILLANCE_RECORD)
def record_imaging(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    hip = _hip(request, episode_id)
    user = user_of(request)
    form = ImagingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def make(entry: Any) -> str:
            study = records.record_imaging(episode=hip.episode, entry=entry, by=user, via=Via.WEB)
            messages.success(request, "Imaging recorded.")
            return _hip_url(hip, f"study-{study.public_id}")

        url = _record(request, hip, form, "surveillance.imaging", make)
        if url is not None:
            return redirect(url)
    return _form_page(request, hip, form, "surveillance/record_imaging.html")


@page(Op.PAGE_SURVEILLANCE_RECORD)
def record_review(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    hip = _hip(request, episode_id)
    user = user_of(request)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":

        def make(entry: Any) -> str:
            review = reviews.record_review(episode=hip.episode, entry=entry, by=user, via=Via.WEB)
            headline = words.advice_of(review.advice).headline
            messages.success(request, f"Review recorded. Recommendation: {headline}.")
            return _hip_url(hip, f"review-{review.public_id}")

        url = _record(request, hip, form, "surveillance.review", make)
        if url is not None:
            return redirect(url)
    advice = words.advice_of(hip.advice_now.as_json()) if hip.advice_now else None
    return _form_page(request, hip, form, "surveillance/record_review.html", advice_now=advice)


@page(Op.PAGE_SURVEILLANCE_RECORD)
def strike_out(
    request: HttpRequest, episode_id: uuid.UUID, entry_id: uuid.UUID, kind: str
) -> HttpResponse:
    """Strike out a result, a study or a review entered in error, with the reason."""
    hip = _hip(request, episode_id)
    if request.method != "POST":  # a hip that does not exist is a 404 here too
        return redirect("surveillance:hip", episode_id=episode_id)
    user = user_of(request)
    form = StrikeOutForm(request.POST, auto_id=f"strike-{entry_id}-%s")

    def strike(data: dict[str, str]) -> str:
        if kind == "review":
            reviews.strike_out_review(
                episode=hip.episode, review_id=entry_id, reason=data["reason"], by=user, via=Via.WEB
            )
        else:
            records.strike_out(
                kind=kind,
                record_id=entry_id,
                episode=hip.episode,
                reason=data["reason"],
                by=user,
                via=Via.WEB,
            )
        return f"The {KINDS[kind]} was struck out."

    done = submit(form, lambda data: data, strike)
    if done is None:
        return show(request, hip, strike=(kind, entry_id, form))
    messages.success(request, done)
    return redirect("surveillance:hip", episode_id=episode_id)
