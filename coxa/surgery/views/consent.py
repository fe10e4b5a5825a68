"""The patient's consent on the operation page: recorded by a surgeon, withdrawn by a clinician."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from coxa.accounts.access import page
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.core.forms import PageForm, submit
from coxa.core.idempotency import Submitted, submit_once
from coxa.pathways.models import Episode
from coxa.surgery.domain.consent import ConsentIn
from coxa.surgery.forms import ConsentForm
from coxa.surgery.services import consent
from coxa.surgery.views.page import act_on


@page(Op.PAGE_CONSENT)
def consent_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Record the consent the signed-in surgeon took; it supersedes the current one."""

    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        assert isinstance(form, ConsentForm)  # noqa: S101 - the page's "consent" form

        def record(entry: ConsentIn) -> Submitted:
            def create() -> str:
                consent.record_consent(episode=episode, entry=entry, by=user, via=Via.WEB)
                return reverse("surgery:operation", kwargs={"episode_id": episode.public_id})

            return submit_once(request, "surgery.consent", create)

        done = submit(form, form.entry, record)
        if done is None:
            return None
        if done.again:
            return "This form had already been sent: the consent was recorded once."
        return "Consent recorded."

    return act_on(request, episode_id, "consent", act)


@page(Op.PAGE_CONSENT_WITHDRAW)
def withdraw_consent_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """Record that the patient withdrew the consent shown, with their reason."""

    def act(episode: Episode, user: User, form: PageForm) -> str | None:
        def withdraw(data: dict[str, Any]) -> str:
            consent.withdraw_consent(
                episode=episode,
                consent_id=data["consent"],
                reason=data["reason"],
                by=user,
                via=Via.WEB,
            )
            return "Consent withdrawn. The operation cannot be booked until consent is taken again."

        return submit(form, lambda data: data, withdraw)

    return act_on(request, episode_id, "withdraw", act)
