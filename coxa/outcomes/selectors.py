"""Reads for outcomes: a hip's questionnaires and what its follow-up programme has due next.

Each questionnaire comes with its change from the baseline.
"""

from dataclasses import dataclass

from coxa.catalogue.loader import get_catalogue
from coxa.outcomes.domain.scoring import Change, baseline_index, change
from coxa.outcomes.models import FollowUpProgramme, ProgrammeStatus, QuestionnaireResponse
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


def programme_due(episode: Episode) -> FollowUpProgramme | None:
    """The hip's programme when it has a next item (the episode's read is already audited)."""
    return (
        FollowUpProgramme.objects.filter(episode=episode)
        .exclude(status=ProgrammeStatus.ENDED)
        .exclude(next_point="")
        .first()
    )
