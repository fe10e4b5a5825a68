"""The follow-up reviews page: a hip's clinic reviews in words, and the form to record one."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.core.forms import status_of, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.outcomes import selectors
from coxa.outcomes.domain.reviews import FollowUpReviewIn
from coxa.outcomes.forms import StrikeOutForm
from coxa.outcomes.forms.reviews import ReviewForm
from coxa.outcomes.services import reviews
from coxa.outcomes.worklist import point_title
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode


def _episode(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    user = user_of(request)
    require(user, Capability.VIEW_PATIENTS)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def _form(user: User, episode: Episode, data: object = None) -> ReviewForm | None:
    """The form the user may fill (None: they only read)."""
    whole = can(user.role, Capability.RECORD_REVIEWS)
    if not whole and not can(user.role, Capability.RECORD_REVIEW_FUNCTION):
        return None
    spec = get_catalogue().reviews
    return ReviewForm(data, spec=spec, findings=spec.findings_for(episode.procedure), whole=whole)


def _show(
    request: HttpRequest,
    episode: Episode,
    form: ReviewForm | None,
    strike: tuple[uuid.UUID, StrikeOutForm] | None = None,
) -> HttpResponse:
    user = user_of(request)
    shown = [form] if form is not None else []
    context = {
        "episode": episode,
        "patient": episode.patient,
        "reviews": [
            (shown, point_title(episode.procedure, shown.review.point))
            for shown in selectors.reviews_of(episode)
        ],
        "form": form,
        "strike": strike,
        "may_strike": can(user.role, Capability.RECORD_REVIEWS)
        or can(user.role, Capability.RECORD_REVIEW_FUNCTION),
    }
    status = status_of(*shown, *([strike[1]] if strike else []))
    return render(request, "outcomes/reviews.html", context, status=status)


@page(Op.PAGE_REVIEWS, post=Op.PAGE_REVIEW_RECORD)
def reviews_page(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The hip's follow-up reviews; a post records one (once per form)."""
    episode = _episode(request, episode_id)
    user = user_of(request)
    if request.method != "POST":
        return _show(request, episode, _form(user, episode))
    form = _form(user, episode, request.POST)
    if form is None:  # the table admits only roles that record; the service decides again
        require(user, Capability.RECORD_REVIEW_FUNCTION)
        return redirect("outcomes:reviews", episode_id=episode.public_id)

    def record(entry: FollowUpReviewIn) -> Submitted:
        def create() -> str:
            reviews.record_review(episode=episode, entry=entry, by=user, via=Via.WEB)
            return reverse("outcomes:reviews", kwargs={"episode_id": episode.public_id})

        return submit_once(request, "outcomes.review", create)

    done = submit(form, form.entry, record)
    if done is None:
        return _show(request, episode, form)
    messages.success(
        request,
        "This form had already been sent: the review was recorded once."
        if done.again
        else "Follow-up review recorded.",
    )
    return redirect(done.url)


@page(Op.PAGE_REVIEW_STRIKE)
def strike_out_page(
    request: HttpRequest, episode_id: uuid.UUID, review_id: uuid.UUID
) -> HttpResponse:
    """Strike out a review recorded in error, with the reason (it stays, marked)."""
    episode = _episode(request, episode_id)
    if request.method != "POST":
        return redirect("outcomes:reviews", episode_id=episode.public_id)
    user = user_of(request)
    form = StrikeOutForm(
        request.POST, label="Why strike out this review", auto_id=f"strike-{review_id}-%s"
    )

    def strike(data: dict[str, str]) -> str:
        reviews.strike_out_review(
            episode=episode, review_id=review_id, reason=data["reason"], by=user, via=Via.WEB
        )
        return "Review struck out."

    done = submit(form, lambda data: data, strike)
    if done is None:
        return _show(request, episode, _form(user, episode), strike=(review_id, form))
    messages.success(request, done)
    return redirect("outcomes:reviews", episode_id=episode.public_id)
