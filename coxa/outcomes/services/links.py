"""One-time questionnaire links: issued by a clinician for one hip, used once by the patient.

The token is 32 random bytes (``secrets``), shown once to the clinician and sent to the
patient; only its SHA-256 is stored, so a copy of the database opens nothing. A link works
until it expires (``COXA_QUESTIONNAIRE_LINK_DAYS`` after it is issued) and once: the link row
is locked, checked and marked used in the transaction that stores the responses, so two
submissions at once make one set of responses. Who answered: the patient, with no account
(``entered_by_patient``, no ``recorded_by``, audited ``via=link``); the link names the
clinician who issued it.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem
from coxa.outcomes.models import (
    FollowUpProgramme,
    ProgrammeStatus,
    QuestionnaireLink,
    QuestionnaireResponse,
)
from coxa.outcomes.selectors import LinkState, link_state
from coxa.outcomes.services import schedule
from coxa.outcomes.services.responses import instrument_for, store_response
from coxa.pathways.domain import CLOSED_STATES, EpisodeState
from coxa.pathways.models import Episode

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    link: QuestionnaireLink
    token: str  # shown once; never stored
    url: str
    emailed_to: str  # "" when the patient has no email on record


def _email(to: str, url: str, expires: dt.datetime) -> None:
    send_mail(
        subject="Your hip team asks you to answer a short questionnaire",
        message=(
            "Your hip team would like to know how your hip is doing.\n\n"
            f"Please answer the questions at this link:\n{url}\n\n"
            f"The link works once, until {expires:%-d %b %Y}. You do not need an account.\n"
            "If you did not expect this message, please tell the clinic.\n"
        ),
        from_email=None,
        recipient_list=[to],
    )


@audit.atomic()
def issue_link(
    *,
    episode: Episode,
    instruments: list[str],
    by: User,
    via: audit.Via,
    url_for: Callable[[str], str],
) -> Issued:
    """Make a link for the patient to answer ``instruments`` about this hip, and send it.

    Refused (409) for a hip whose episode has ended (discharged, converted, withdrawn, died)
    or whose patient's death is recorded: nobody is surveyed about a hip no longer followed,
    nor after their death (hazard H60). The link names the point the hip's programme has
    next (display only: each response answers the point whose window holds its day).
    """
    require(by, Capability.RECORD_OUTCOMES)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    closed = closed_problem(locked)
    if closed is not None:
        raise closed
    if not instruments:
        raise InvalidInput(ErrorCode.REQUIRED, "choose at least one questionnaire", "instruments")
    if len(set(instruments)) != len(instruments):
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, "a questionnaire is chosen twice", "instruments"
        )
    for code in instruments:
        instrument_for(code, for_patient=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    link = QuestionnaireLink.objects.create(
        episode=episode,
        instruments=list(instruments),
        schedule_point=_next_point(episode),
        token_hash=token_hash(token),
        issued_by=by,
        issued_at=now,
        expires_at=now + dt.timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS),
        sent_to=episode.patient.email.strip(),
    )
    url = url_for(token)
    if link.sent_to:
        _email(link.sent_to, url, link.expires_at)
    titles = ", ".join(get_catalogue().instruments[c].title for c in instruments)
    audit.record(
        actor=by,
        action="questionnaire-link.issue",
        object_type="questionnaire-link",
        object_id=link.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Issued a one-time link for {titles}"
        + (" (emailed to the patient)" if link.sent_to else " (given by hand)"),
        via=via,
        details={"episode": str(episode.public_id), "instruments": list(instruments)},
    )
    return Issued(link, token, url, link.sent_to)


def _next_point(episode: Episode) -> str:
    programme = FollowUpProgramme.objects.filter(episode=episode).first()
    if programme is None or programme.status == ProgrammeStatus.ENDED:
        return ""
    return programme.next_point


def closed_problem(episode: Episode) -> Conflict | None:
    """Why no questionnaire link may be issued for this hip now (None: one may)."""
    if episode.patient.date_of_death is not None or episode.state_enum is EpisodeState.DIED:
        return Conflict(
            ErrorCode.PATIENT_DECEASED,
            "the patient's death is recorded: no questionnaire is sent to them",
            "episode",
        )
    if episode.state_enum in CLOSED_STATES:
        return Conflict(
            ErrorCode.EPISODE_ENDED,
            f"this hip's episode has ended ({episode.state_enum.label.lower()}): it is no "
            "longer followed, so no questionnaire link is issued for it",
            "episode",
        )
    return None


def _answer_problems(code: str, error: InvalidInput) -> list[Problem]:
    return [Problem(p.code, p.message, f"{code}.{p.field or 'answers'}") for p in error.problems]


@audit.atomic()
def complete_by_link(
    *, token: str, answers: dict[str, dict[str, Any]]
) -> list[QuestionnaireResponse]:
    """Store the patient's answers to each of the link's questionnaires, and use the link up.

    ``answers`` maps each instrument code to its answers (item code -> value). Problems are
    named ``<instrument>.answers.<item>``. An unknown, expired or used link is refused
    (404 ``link-not-usable``) and nothing is stored; so is a link whose hip's episode has
    since ended or whose patient has since died (``selectors.link_state``: closed).
    """
    link = (
        QuestionnaireLink.objects.select_for_update()
        .select_related("episode__patient")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or link_state(link) is not LinkState.OPEN:
        raise NotFound(ErrorCode.LINK_NOT_USABLE, "this link cannot be used")
    today = clock.today()
    stored: list[QuestionnaireResponse] = []
    problems: list[Problem] = []
    for code in link.instruments:
        try:
            stored.append(
                store_response(
                    episode=link.episode,
                    instrument=code,
                    answers=answers.get(code, {}),
                    completed_on=today,
                    by=None,
                    link=link,
                )
            )
        except InvalidInput as error:
            problems += _answer_problems(code, error)
    if problems:
        raise InvalidInput.of(problems)  # the transaction keeps none of the responses
    link.used_at = clock.now()
    link.save(update_fields=["used_at", "updated_at"])
    audit.record(
        actor=None,
        action="questionnaire.record-by-link",
        object_type="questionnaire-link",
        object_id=link.public_id,
        patient_id=link.episode.patient.public_id,
        summary=f"The patient answered {len(stored)} questionnaire(s) through a one-time link"
        + (" (a fall in score, flagged for review)" if any(r.fall for r in stored) else ""),
        via=audit.Via.LINK,
        details={
            "episode": str(link.episode.public_id),
            "responses": [str(r.public_id) for r in stored],
            "issued_by": link.issued_by.get_username(),
        },
    )
    # Each response answers the point whose window holds today (the link's point is what it
    # was issued for, not a claim about today); the hip's programme then moves on.
    schedule.refresh(link.episode, by=None, via=audit.Via.LINK)
    return stored
