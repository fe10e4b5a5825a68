"""The demo's metal-on-metal surveillance, through the surveillance services, each on its day.

Every resurfacing signed here is enrolled as its note is signed, then checked on each day
its programme falls due (whole-blood cobalt and chromium a week before, then a review) until
the hip is revised, the patient dies, or today. A few patients had the other hip resurfaced
at another hospital years ago: at their first visit it is enrolled by hand, with its product
and lot and the yearly results the other hospital sent, and it tells one of the clinic's
stories: a first result above 7 µg/L awaiting its 3-month repeat; a small isolated fluid
collection being watched; a solid mass with muscle involvement referred to discuss revision;
levels rising, imaging awaited; a serum result (stored, not compared); a patient lost to
follow-up; and, for most, low levels year after year. Laboratories report in µg/L, ppb or
nmol/L. Synthetic, seeded, never a real person's record.
"""

import datetime as dt
import random
from typing import Literal

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.core import clock
from coxa.core.audit import Via
from coxa.demo.domain import PatientPlan
from coxa.demo.rechecks import moment
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from coxa.surgery.models import OperationNote
from coxa.surveillance.domain.advice import SYMPTOMS, Answer
from coxa.surveillance.domain.imaging import Modality, Seen
from coxa.surveillance.domain.inputs import (
    EnrolIn,
    ImagingIn,
    ImplantIn,
    LevelIn,
    MetalIonsIn,
    ReviewIn,
)
from coxa.surveillance.domain.results import Matrix
from coxa.surveillance.models import Enrolment, EnrolmentStatus
from coxa.surveillance.selectors import followed_procedures
from coxa.surveillance.services import enrolment as enrolling
from coxa.surveillance.services import records, reviews
from coxa.terminology.units import ATOMIC_MASS, Metal

# Each laboratory with the unit it reports in (fictional names).
LABS = (
    ("Trust laboratory, blood sciences", "ug/L"),
    ("Regional trace elements laboratory", "[ppb]"),
    ("Northfield General Hospital laboratory", "nmol/L"),
)
ELSEWHERE = "Northfield General Hospital"
# The stories of the hips resurfaced elsewhere, by the patient who has one; past the first
# patients, every ninth living patient with one hip on record has one with low levels.
STORIES = {
    "D000002": "rising",
    "D000003": "repeat",
    "D000005": "serum",
    "D000010": "lost",
    "D000012": "refer",
    "D000023": "watched",
}
LOW_EVERY = 9


def story_of(plan: PatientPlan) -> str | None:
    """Which story the patient's hip resurfaced elsewhere tells; None: no such hip."""
    if len(plan.episodes) != 1 or plan.died_days_ago is not None:
        return None
    steps = plan.episodes[0].steps
    if steps and steps[-1].to in (EpisodeState.DIED, EpisodeState.CONVERTED):
        return None
    if plan.hospital_number in STORIES:
        return STORIES[plan.hospital_number]
    return "low" if int(plan.hospital_number[1:]) % LOW_EVERY == 4 else None  # noqa: PLR2004


def _reported(metal: Metal, ug_per_l: float, unit: str) -> float:
    if unit == "nmol/L":
        return float(round(ug_per_l * 1000 / ATOMIC_MASS[metal]))
    return round(ug_per_l, 1)


def _past(day: dt.date) -> bool:
    """Whether a replayed day has come (the demo records nothing after today)."""
    return day <= clock.today()


def _bloods(
    episode: Episode,
    sampled_on: dt.date,
    levels: tuple[float, float],
    nurse: User,
    *,
    lab: int,
    matrix: Matrix = Matrix.WHOLE_BLOOD,
    recorded_on: dt.date | None = None,
) -> None:
    laboratory, unit = LABS[lab]
    cobalt, chromium = levels
    recorded_on = recorded_on or sampled_on + dt.timedelta(days=5)
    if not _past(recorded_on):
        return
    with clock.replaying(moment(recorded_on, 60)):
        records.record_metal_ions(
            episode=episode,
            entry=MetalIonsIn(
                sampled_on=sampled_on,
                matrix=matrix,
                cobalt=LevelIn(value=_reported("cobalt", cobalt, unit), unit=unit),
                chromium=LevelIn(value=_reported("chromium", chromium, unit), unit=unit),
                laboratory=laboratory,
            ),
            by=nurse,
            via=Via.CLI,
        )


def _review(
    episode: Episode, day: dt.date, surgeon: User, *, symptoms: tuple[str, ...] = ()
) -> None:
    if not _past(day):
        return
    asked = {code: Answer.YES if code in symptoms else Answer.NO for code in SYMPTOMS}
    with clock.replaying(moment(day, 3 * 60)):
        reviews.record_review(
            episode=episode,
            entry=ReviewIn(reviewed_on=day, symptoms=asked),
            by=surgeon,
            via=Via.CLI,
        )


def _scan(episode: Episode, day: dt.date, surgeon: User, **found: object) -> None:
    if not _past(day):
        return
    seen = {
        name: found.pop(name, Seen.ABSENT)
        for name in ("fluid_collection", "solid_mass", "muscle_involvement", "bone_involvement")
    }
    with clock.replaying(moment(day, 5 * 60)):
        records.record_imaging(
            episode=episode,
            entry=ImagingIn.model_validate(
                {"performed_on": day, "modality": Modality.MARS_MRI, **seen, **found}
            ),
            by=surgeon,
            via=Via.CLI,
        )


class _Levels:
    """A hip's low, steady levels: each year a little different, never a flagged rise."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cobalt, self.chromium = rng.uniform(0.6, 2.2), rng.uniform(0.5, 2.0)

    def next(self) -> tuple[float, float]:
        def step(value: float) -> float:
            return min(max(value + self.rng.uniform(-0.3, 0.4), 0.5), 3.0)

        self.cobalt, self.chromium = step(self.cobalt), step(self.chromium)
        return self.cobalt, self.chromium


def _routine(
    episode: Episode,
    users: dict[Role, User],
    since: dt.date,
    until: dt.date,
    levels: _Levels,
    lab: int,
) -> None:
    """Each routine check falling due after ``since`` and up to ``until``, on its day."""
    nurse, surgeon = users[Role.NURSE], users[Role.SURGEON]
    while True:
        found = Enrolment.objects.filter(episode=episode, status=EnrolmentStatus.ACTIVE).first()
        if found is None or found.next_due_on is None:
            return
        day = found.next_due_on + dt.timedelta(days=levels.rng.randint(0, 12))
        if not since < day <= until:
            return
        sampled = day - dt.timedelta(days=7)
        if found.last_result_on is None or found.last_result_on < sampled:
            _bloods(episode, max(sampled, since), levels.next(), nurse, lab=lab, recorded_on=day)
        _review(episode, day, surgeon)
        if not Enrolment.objects.filter(episode=episode, next_due_on__gt=day).exists():
            return  # the review asked for more than the routine check: left to the clinic


def play(
    episode: Episode, users: dict[Role, User], seed: int, since: dt.date, until: dt.date
) -> None:
    """A resurfacing signed here: enrolled as signed; its checks after ``since`` to ``until``."""
    if episode.procedure not in followed_procedures() or until <= since:
        return
    note = OperationNote.objects.filter(episode=episode, signed_at__isnull=False).first()
    if note is None or note.signed_at is None:
        return
    if not Enrolment.objects.filter(episode=episode).exists():
        with clock.replaying(note.signed_at + dt.timedelta(minutes=5)):
            enrolling.enrol_episode(episode=episode, by=users[Role.SURGEON], via=Via.CLI)
    rng = random.Random(seed * 4099 + since.toordinal())
    levels = _Levels(random.Random(seed * 4099))
    levels.rng = rng
    _routine(episode, users, since, until, levels, lab=seed % 2)


def elsewhere(
    patient: Patient, plan: PatientPlan, users: dict[Role, User], first: dt.date, today: dt.date
) -> Episode | None:
    """Enrol by hand, at the first visit, the hip resurfaced elsewhere; play its story."""
    story = story_of(plan)
    if story is None:
        return None
    number = int(plan.hospital_number[1:])
    rng = random.Random(number * 131 + 17)
    nurse = users[Role.NURSE]
    side: Literal["left", "right"] = "left" if plan.episodes[0].side.value == "right" else "right"
    age = (first - patient.date_of_birth).days // 365
    operated_on = first - dt.timedelta(days=365 * rng.randint(6, min(14, max(6, age - 28))))
    male = patient.sex == "male"
    head = rng.choice((50, 52, 54, 56) if male else (46, 48))
    lot = f"{rng.randrange(10**6):06d}"
    with clock.replaying(moment(first, 10)):
        enrolled = enrolling.enrol_by_hand(
            patient=patient,
            entry=EnrolIn(
                side=side,
                implant="resurfacing",
                head_mm=head,
                operated_on=operated_on,
                operated_where=ELSEWHERE,
                implants=[
                    ImplantIn(
                        component="femoral",
                        manufacturer="Smith & Nephew",
                        product="Birmingham Hip Resurfacing femoral head",
                        lot=lot,
                    ),
                    ImplantIn(
                        component="acetabular",
                        manufacturer="Smith & Nephew",
                        product="Birmingham Hip Resurfacing acetabular cup",
                        lot=f"{int(lot) + 7919:06d}"[-6:],
                    ),
                ],
            ),
            by=nurse,
            via=Via.CLI,
        )
    episode = enrolled.episode
    levels = _Levels(rng)
    # The yearly results the other hospital sent (in nmol/L), entered at the first visit.
    sent = [first - dt.timedelta(days=365 * years + 40) for years in (2, 1, 0)]
    for index, day in enumerate(sent):
        matrix = Matrix.SERUM if story == "serum" and index == len(sent) - 1 else Matrix.WHOLE_BLOOD
        rising = (1.0 + 0.8 * index, 0.8 + 0.5 * index)
        values = rising if story == "rising" else levels.next()
        _bloods(episode, day, values, nurse, lab=2, matrix=matrix, recorded_on=first)
    _story(story, episode, users, first, today, levels, number % 2)
    return episode


def _story(
    story: str,
    episode: Episode,
    users: dict[Role, User],
    first: dt.date,
    today: dt.date,
    levels: _Levels,
    lab: int,
) -> None:
    nurse, surgeon = users[Role.NURSE], users[Role.SURGEON]
    week = dt.timedelta(days=7)
    if story == "lost":  # enrolled, invited, never came: lost a year after the check was due
        return
    if story in ("low", "serum", "watched"):  # a whole-blood sample at the first visit
        _bloods(episode, first, levels.next(), nurse, lab=lab, recorded_on=first + week)
        _review(episode, first + week, surgeon)
        if story != "watched":
            _routine(episode, users, first + week, today, levels, lab)
            return
        first += dt.timedelta(days=365 + 7)  # the watched hip: high at its next check
    if story == "rising":  # up again at the first visit: imaging asked for, not yet done
        _bloods(episode, first, (4.1, 2.2), nurse, lab=0, recorded_on=first + week)
        _review(episode, min(first + week, today), surgeon)
        return
    high = {"repeat": (8.6, 3.9), "watched": (7.9, 4.4), "refer": (12.4, 6.8)}[story]
    _bloods(episode, first, high, nurse, lab=lab, recorded_on=first + dt.timedelta(days=5))
    _review(episode, first + week, surgeon, symptoms=("pain",) if story == "refer" else ())
    if story == "repeat":  # imaged (normal); the 3-month repeat still to come
        _scan(episode, first + 2 * week, surgeon)
    elif story == "watched":  # a small isolated collection; the repeat lower; rescan awaited
        _scan(
            episode,
            first + 2 * week,
            surgeon,
            fluid_collection=Seen.PRESENT,
            size_mm=18.0,
            classification_system="hauptfleisch",
            classification="1",
            report="Small thin-walled fluid collection posterior to the hip; no solid "
            "component; muscles and bone normal.",
        )
        repeat = first + dt.timedelta(days=91)
        _bloods(episode, repeat, (6.1, 3.5), nurse, lab=lab)
        _review(episode, repeat + week, surgeon)
    else:  # a solid mass invading gluteus medius: referred to discuss revision
        _scan(
            episode,
            first + 2 * week,
            surgeon,
            fluid_collection=Seen.PRESENT,
            solid_mass=Seen.PRESENT,
            muscle_involvement=Seen.PRESENT,
            size_mm=46.0,
            classification_system="hauptfleisch",
            classification="3",
            report="Predominantly solid pseudotumour, 46 mm, invading gluteus medius.",
        )
        _review(episode, first + 3 * week, surgeon, symptoms=("pain",))
