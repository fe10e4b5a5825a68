"""Reads for outcomes: a hip's questionnaires, reviews, complications and what is due next.

Each questionnaire comes with its change from the baseline; each review, in words.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_reviews import NOT_ASSESSED
from coxa.core import audit, clock
from coxa.outcomes.domain.falls import COMPARED_WORDS, Compared
from coxa.outcomes.domain.licensed import SCALE_ABOVE, Licensed
from coxa.outcomes.domain.reviews import abnormal, finding_words
from coxa.outcomes.domain.scoring import Change, baseline_index, change
from coxa.outcomes.models import (
    Complication,
    FollowUpProgramme,
    FollowUpReview,
    LicensedInstrument,
    ProgrammeStatus,
    QuestionnaireLink,
    QuestionnaireResponse,
)
from coxa.pathways.domain import CLOSED_STATES
from coxa.pathways.models import Episode


@dataclass(frozen=True)
class FallShown:
    """A fall in score flagged on a stored response, for the page and the API."""

    rule: str
    compared_with: Compared
    reference_on: dt.date
    reference_score: float
    drop: float
    threshold: float
    sources: tuple[str, ...]

    @property
    def words(self) -> str:
        return (  # one decimal on pages (the API keeps the full values)
            f"{round(self.drop, 1):g} points worse than {COMPARED_WORDS[self.compared_with]} "
            f"({round(self.reference_score, 1):g} on {self.reference_on:%-d %b %Y}); the "
            f"smallest change that matters is {round(self.threshold, 1):g}"
        )

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> "FallShown | None":
        if not data:
            return None
        return cls(
            data["rule"],
            Compared(data["compared_with"]),
            dt.date.fromisoformat(data["reference_on"]),
            data["reference_score"],
            data["drop"],
            data["threshold"],
            tuple(data["sources"]),
        )


@dataclass(frozen=True)
class Answered:
    """A stored response, and how it stands against the instrument's baseline."""

    response: QuestionnaireResponse
    baseline: bool
    change: Change | None  # None for the baseline itself, and when there is no baseline

    @property
    def title(self) -> str:
        found = get_catalogue().instruments.get(self.response.instrument)
        return self.response.instrument if found is None else found.title

    @property
    def fall(self) -> FallShown | None:
        return None if self.response.struck_out else FallShown.of(self.response.fall)


def responses_of(episode: Episode) -> list[Answered]:
    """Every questionnaire of the hip, oldest first (the episode's read is already audited).

    Struck-out responses are listed, marked, with no baseline and no change: the baseline
    and every change are worked out from the responses that count.
    """
    rows = list(QuestionnaireResponse.every.filter(episode=episode).select_related("struck_out_by"))
    instruments = get_catalogue().instruments
    found: dict[int, Answered] = {
        r.pk: Answered(r, baseline=False, change=None) for r in rows if r.struck_out
    }
    counted = [r for r in rows if not r.struck_out]
    for code in {r.instrument for r in counted}:
        series = [r for r in counted if r.instrument == code]
        first = baseline_index(
            [r.completed_on for r in series],
            [r.score for r in series],
            episode.operation_on,
            [r.point for r in series],
        )
        base = series[first] if first is not None else None
        instrument = instruments.get(code)
        for index, row in enumerate(series):
            later = base is not None and index > (first or 0) and row.score is not None
            found[row.pk] = Answered(
                row,
                baseline=index == first,
                change=change(instrument, base.score, row.score)  # type: ignore[arg-type]
                if later and instrument is not None and base is not None
                else None,
            )
    return [found[r.pk] for r in rows]


@dataclass(frozen=True)
class ShownFinding:
    code: str
    title: str
    words: str  # "Not assessed" is said, never left blank nor read as normal
    abnormal: bool
    stored: dict[str, Any]


@dataclass(frozen=True)
class ShownReview:
    """A follow-up review with its codes in words, for the page and the API."""

    review: FollowUpReview
    findings: tuple[ShownFinding, ...]
    answers: tuple[tuple[str, str], ...]  # (what, in words): pain, movement, walking...
    plan: str  # the plan in words, "" if none was recorded


def _answer_words(review: FollowUpReview) -> list[tuple[str, str]]:
    spec = get_catalogue().reviews
    shown = []
    if review.pain is not None:
        shown.append(("Pain", f"{review.pain} out of 10"))
    for angle in spec.movement:
        value = getattr(review, angle.code)
        if value is not None:
            shown.append((angle.title, f"{value} degrees"))
    for title, choices, code in (
        ("Walking aid", spec.walking_aids, review.walking_aid),
        ("Walking distance", spec.walking_distances, review.walking_distance),
        ("Work", spec.work, review.work),
        ("Sport", spec.sport, review.sport),
    ):
        if code:
            shown.append((title, choices.text_of(code) or code))
    return shown


def show_review(review: FollowUpReview, procedure: str) -> ShownReview:
    spec = get_catalogue().reviews
    findings = tuple(
        ShownFinding(
            f.code,
            f.title,
            finding_words(f, review.findings.get(f.code)),
            abnormal(f, review.findings.get(f.code)),
            dict(review.findings.get(f.code) or {"result": NOT_ASSESSED}),
        )
        for f in spec.findings_for(procedure)
    )
    plan = spec.plan(review.plan) if review.plan else None
    words = ""
    if plan is not None:
        words = plan.text
        if review.next_review_on is not None:
            words += f" on {review.next_review_on:%-d %b %Y}"
        if review.plan_words:
            words += f": {review.plan_words}"
    return ShownReview(review, findings, tuple(_answer_words(review)), words)


def reviews_of(episode: Episode) -> list[ShownReview]:
    """Every follow-up review of the hip, oldest first, struck-out ones included (marked).

    The episode's read is already audited (``access_episode``).
    """
    rows = FollowUpReview.objects.filter(episode=episode).select_related(
        "recorded_by", "struck_out_by"
    )
    return [show_review(r, episode.procedure) for r in rows]


def complications_of(episode: Episode) -> list[Complication]:
    """The hip's register, oldest first, struck-out entries included and marked.

    The episode's read is already audited.
    """
    return list(
        Complication.objects.filter(episode=episode).select_related("recorded_by", "struck_out_by")
    )


# ------------------------------------------------------------------ questionnaires to give
@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    choices: tuple[Choice, ...]
    scale: bool  # a 0-to-100 scale: a number, not a choice among labels
    required: bool  # the score reads it and the instrument allows no item missing


@dataclass(frozen=True)
class Questionnaire:
    """An instrument as a patient is asked it: the words, shipped or loaded under licence.

    ``available`` is False for a licensed instrument whose wording the service has not loaded:
    it cannot be given to a patient (``unavailable`` says why, in plain words).
    """

    code: str
    title: str
    recall: str
    questions: tuple[Question, ...]
    available: bool
    unavailable: str = ""


def licence_of(code: str) -> Licensed | None:
    """The wording (and value set) the service loaded for a licensed instrument, the latest."""
    row = LicensedInstrument.objects.filter(instrument=code).first()
    return None if row is None else Licensed.from_json(code, row.licence, row.content)


def questionnaire(code: str) -> Questionnaire | None:
    """The instrument ``code`` with its words; None when the catalogue has no such one."""
    instrument = get_catalogue().instruments.get(code)
    if instrument is None:
        return None
    licence = licence_of(code) if instrument.licensed else None
    if instrument.licensed and licence is None:
        return Questionnaire(
            instrument.code,
            instrument.title,
            instrument.recall,
            (),
            available=False,
            unavailable=f"The {instrument.title} is licensed: it can be given once the service "
            "has loaded its licensed wording (coxa instruments load).",
        )
    questions = []
    for item in instrument.items:
        words = None if licence is None else licence.items.get(item.code)
        scale = len(item.options) > SCALE_ABOVE
        questions.append(
            Question(
                item.code,
                words.text if words is not None else item.text or item.code,
                tuple(
                    Choice(
                        o.value,
                        (words.labels.get(o.value) if words is not None else o.label)
                        or str(o.value),
                    )
                    for o in item.options
                ),
                scale,
                required=item.code in instrument.scored_items
                and instrument.scoring.missing_allowed == 0,
            )
        )
    return Questionnaire(
        instrument.code, instrument.title, instrument.recall, tuple(questions), available=True
    )


def questionnaires() -> list[Questionnaire]:
    return [q for c in get_catalogue().instruments if (q := questionnaire(c)) is not None]


def links_of(episode: Episode) -> list[QuestionnaireLink]:
    """The hip's one-time links, newest first (the episode's read is already audited)."""
    return list(
        QuestionnaireLink.objects.filter(episode=episode)
        .select_related("issued_by", "episode__patient")
        .order_by("-issued_at", "-id")
    )


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    CLOSED = "closed"  # the hip's episode ended, or the patient died, after it was issued
    UNKNOWN = "unknown"


LINK_STATE_WORDS = {
    LinkState.OPEN: "Open",
    LinkState.USED: "Used",
    LinkState.EXPIRED: "Expired",
    LinkState.CLOSED: "Cannot be used: the hip is no longer followed",
    LinkState.UNKNOWN: "Unknown",
}


def link_state(link: QuestionnaireLink | None) -> LinkState:
    """Open until it expires (the expiry instant itself is too late), and only once.

    A link whose hip's episode has since ended (discharged, converted, withdrawn, died) or
    whose patient's death is recorded is closed (hazard H60). Staff see it so; the patient's
    page answers it as an expired link, revealing nothing (``access_link``).
    """
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    episode = link.episode
    if episode.state_enum in CLOSED_STATES or episode.patient.date_of_death is not None:
        return LinkState.CLOSED
    if clock.now() >= link.expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN


@dataclass(frozen=True)
class OpenLink:
    """What the public page of a link may show: the hip's side and the questionnaires only."""

    state: LinkState
    side: str = ""
    expires_at: dt.datetime | None = None
    questionnaires: tuple[Questionnaire, ...] = ()


def access_link(token: str) -> OpenLink:
    """The link a patient opened, if it can be used; never the patient's name or NHS number.

    An unknown token is answered without touching any patient (and is not audited: it names
    nobody); an expired or used one says only that; an open one is audited as the patient's
    read through the link.
    """
    row = (
        QuestionnaireLink.objects.select_related("episode__patient")
        .filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
        .first()
    )
    state = link_state(row)
    if state is LinkState.CLOSED:
        return OpenLink(LinkState.EXPIRED)  # the same page as an expired link: nothing told
    if row is None or state is not LinkState.OPEN:
        return OpenLink(state)
    shown = tuple(q for c in row.instruments if (q := questionnaire(c)) is not None)
    audit.record(
        actor=None,
        action="questionnaire-link.open",
        object_type="questionnaire-link",
        object_id=row.public_id,
        patient_id=row.episode.patient.public_id,
        summary="The patient opened a one-time questionnaire link",
        via=audit.Via.LINK,
    )
    return OpenLink(state, row.episode.side, row.expires_at, shown)


def programme_due(episode: Episode) -> FollowUpProgramme | None:
    """The hip's programme when it has a next item (the episode's read is already audited)."""
    return (
        FollowUpProgramme.objects.filter(episode=episode)
        .exclude(status=ProgrammeStatus.ENDED)
        .exclude(next_point="")
        .first()
    )
