"""Reads for outcomes: a hip's questionnaires, follow-up reviews and complications.

Each questionnaire comes with its change from the baseline; each review, in words.
"""

from dataclasses import dataclass
from typing import Any

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_reviews import NOT_ASSESSED
from coxa.outcomes.domain.reviews import abnormal, finding_words
from coxa.outcomes.domain.scoring import Change, baseline_index, change
from coxa.outcomes.models import Complication, FollowUpReview, QuestionnaireResponse
from coxa.pathways.models import Episode


@dataclass(frozen=True)
class Answered:
    """A stored response, and how it stands against the instrument's baseline."""

    response: QuestionnaireResponse
    baseline: bool
    change: Change | None  # None for the baseline itself, and when there is no baseline


def responses_of(episode: Episode) -> list[Answered]:
    """Every questionnaire of the hip, oldest first (the episode's read is already audited)."""
    rows = list(QuestionnaireResponse.objects.filter(episode=episode))
    instruments = get_catalogue().instruments
    found: dict[int, Answered] = {}
    for code in {r.instrument for r in rows}:
        series = [r for r in rows if r.instrument == code]
        first = baseline_index(
            [r.completed_on for r in series], [r.score for r in series], episode.operation_on
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
