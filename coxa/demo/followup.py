"""The demo's follow-up: questionnaires, clinic reviews and the odd complication, each on its day.

Everything goes through the outcomes services, as a clinic would record it: the baseline
questionnaires before the operation, then each point of the procedure's schedule (a few are
missed, as in life), a clinic review where the schedule holds one, and a complication for
about one hip in nine. Scores improve after the operation, with the occasional hip that gets
worse (a fall in score the service flags). Synthetic, seeded, never a real person's record.
"""

import datetime as dt
import random

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import get_procedure
from coxa.catalogue.schema_followup import BASELINE
from coxa.core import clock
from coxa.core.audit import Via
from coxa.demo import rechecks, surveillance
from coxa.demo.domain import Step
from coxa.outcomes.domain.reviews import FindingIn, FollowUpReviewIn
from coxa.outcomes.domain.schedule import slots
from coxa.outcomes.selectors import licence_of
from coxa.outcomes.services import complications, endpoints, responses, reviews
from coxa.outcomes.services import schedule as follow_up
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode

S = EpisodeState
# Before each of these steps, what fell due since the last one is recorded; after the last
# step, a hip still in one of FOLLOWED is followed up to today.
FOLLOWED_UP_TO = frozenset(
    {S.OPERATED, S.RECOVERING, S.FOLLOW_UP, S.COMPLETED, S.CONVERTED, S.DIED}
)
FOLLOWED = frozenset({S.OPERATED, S.RECOVERING, S.FOLLOW_UP})

# A few complications the demo records, by procedure: (type, grade, outcome, treatment, days
# after the operation). Kinds and grades of a plausible order; not a rate from any source.
COMPLICATIONS: dict[str, tuple[tuple[str, str, str, str, int], ...]] = {
    "bhr": (
        ("superficial-infection", "II", "resolved", "Oral antibiotics for a week.", 10),
        ("deep-vein-thrombosis", "II", "resolved", "Anticoagulation for three months.", 18),
        ("nerve-injury", "I", "recovering", "Observation; sensation returning.", 2),
    ),
    "core-decompression": (
        ("superficial-infection", "II", "resolved", "Oral antibiotics for a week.", 12),
        ("femoral-neck-fracture", "IIIb", "resolved", "Fixed with screws in theatre.", 40),
    ),
    "total-hip-replacement": (
        ("dislocation", "IIIb", "resolved", "Closed reduction under general anaesthetic.", 30),
        ("pulmonary-embolism", "II", "resolved", "Anticoagulation for three months.", 9),
        ("superficial-infection", "II", "resolved", "Oral antibiotics for a week.", 11),
    ),
}
WORSE_SHARE = 0.12  # the share of hips that do badly after the operation (synthetic)
BETTER = {"hoos-jr": 0, "pain-nrs": 0, "ucla": 1}  # the direction each answer improves


def _level(rng: random.Random, instrument: str, before: bool, worse: bool) -> float:
    """How the hip is, 0 (worst) to 1 (best): poor before, good after, worse for a few."""
    if before:
        return rng.uniform(0.15, 0.4)
    if worse:
        return rng.uniform(0.2, 0.45)
    return rng.uniform(0.7, 0.95)


def _answers(instrument: str, level: float, rng: random.Random) -> dict[str, int]:
    found = get_catalogue().instruments[instrument]
    given: dict[str, int] = {}
    for item in found.items:
        values = sorted(o.value for o in item.options)
        # Lower answers are better for HOOS JR and pain; higher for UCLA activity.
        place = level if BETTER.get(instrument, 1) else 1 - level
        jitter = rng.uniform(-0.1, 0.1)
        index = round(min(max(place + jitter, 0), 1) * (len(values) - 1))
        given[item.code] = values[index]
    return given


def _asked(instrument: str) -> bool:
    found = get_catalogue().instruments[instrument]
    return not found.licensed or licence_of(instrument) is not None


def _review(episode: Episode, day: dt.date, rng: random.Random, good: bool) -> FollowUpReviewIn:
    catalogue = get_catalogue()
    findings: dict[str, FindingIn] = {}
    for finding in catalogue.reviews.findings_for(episode.procedure):
        if finding.kind == "presence":
            findings[finding.code] = FindingIn(result="none")
        elif finding.kind == "choice" and finding.options is not None:
            normal = next(o for o in finding.options.options if not o.concern)
            findings[finding.code] = FindingIn(result=normal.code)
    return FollowUpReviewIn(
        seen_on=day,
        pain=rng.randint(0, 2) if good else rng.randint(4, 7),
        flexion=rng.randint(95, 120),
        abduction=rng.randint(25, 45),
        internal_rotation=rng.randint(10, 30),
        external_rotation=rng.randint(20, 40),
        walking_aid="none" if good else "one-stick",
        walking_distance="unlimited" if good else "100-m-to-1-km",
        findings=findings,
        plan="next-review",
        plan_words="" if good else "Worse since the last review: bring the next review forward.",
        next_review_on=day + dt.timedelta(days=90 if not good else 300),
    )


def before(
    step: EpisodeState,
    episode: Episode,
    users: dict[Role, User],
    seed: int,
    since: dt.date,
    when: dt.date,
) -> None:
    """Before a step from the operation on, what fell due since the last step, on its day."""
    if step in FOLLOWED_UP_TO:
        play(episode, users, seed, since, when - dt.timedelta(days=1))


def play(
    episode: Episode, users: dict[Role, User], seed: int, since: dt.date, until: dt.date
) -> None:
    """Record the hip's follow-up due after ``since`` and up to ``until``, each on its day."""
    episode.refresh_from_db()
    surveillance.play(episode, users, seed, since, until)  # a resurfacing's metal checks
    schedule = follow_up.schedule_of(episode)
    if schedule is None or until <= since:
        return
    rng = random.Random(seed * 7919 + since.toordinal())
    worse = random.Random(seed).random() < WORSE_SHARE  # this hip's course
    hip = follow_up.hip_of(episode)
    nurse, surgeon = users[Role.NURSE], users[Role.SURGEON]
    for slot in slots(schedule, hip):
        day = slot.due_on if slot.code != BASELINE else (slot.closes_on or slot.due_on)
        if slot.code == BASELINE:
            day -= dt.timedelta(days=2)  # the pre-operative visit, two days before
        if day > until:
            break
        if day <= since or rng.random() < 0.15:  # noqa: PLR2004 - a point now and then missed
            continue
        before = slot.code == BASELINE
        with clock.replaying(rechecks.moment(day, 9 * 60 + 30)):
            for code in slot.questionnaires:
                if not _asked(code):
                    continue
                level = _level(rng, code, before, worse)
                responses.record_response(
                    episode=episode,
                    instrument=code,
                    answers=_answers(code, level, rng),
                    completed_on=day,
                    by=nurse,
                    via=Via.CLI,
                    point=slot.code,
                )
            if slot.clinic_review and not before:
                reviews.record_review(
                    episode=episode,
                    entry=_review(episode, day, rng, not worse),
                    by=surgeon,
                    via=Via.CLI,
                )
    _complication(episode, users, seed, since, until)


def _complication(
    episode: Episode, users: dict[Role, User], seed: int, since: dt.date, until: dt.date
) -> None:
    """About one hip in nine has a complication, found in its first weeks."""
    rng = random.Random(seed * 31 + 7)
    if rng.random() >= 1 / 9 or episode.operation_on is None:
        return
    kind, grade, outcome, treatment, after = rng.choice(COMPLICATIONS[episode.procedure])
    found_on = episode.operation_on + dt.timedelta(days=after)
    if not since < found_on <= until:
        return
    with clock.replaying(rechecks.moment(found_on, 11 * 60)):
        complications.record_complication(
            episode=episode,
            type=kind,
            found_on=found_on,
            clavien_dindo=grade,
            outcome=outcome,
            treatment=treatment,
            by=users[Role.SURGEON],
            via=Via.CLI,
        )


def end(episode: Episode, step: Step, when: dt.date, users: dict[Role, User]) -> Episode | None:
    """A conversion or a death, through the outcomes services; the new episode, if any."""
    if step.to is EpisodeState.DIED:
        endpoints.record_death(
            patient=episode.patient, on=when, related_to_hip="no", by=users[step.by], via=Via.CLI
        )
        return None
    procedure = get_procedure(episode.procedure)
    return endpoints.record_conversion(
        episode=episode,
        on=when,
        reason=step.reason_code,
        procedure=procedure.converts_to if procedure and procedure.converts_to else "",
        note=step.reason,
        by=users[step.by],
        via=Via.CLI,
    ).new_episode
