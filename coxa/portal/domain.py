"""What a patient reads about their hips, in plain English: each state, the journey, the dates.

Pure.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from coxa.decisions.domain.medicines import MedicineStop
from coxa.pathways.domain import EpisodeState
from coxa.surgery.domain.plan import Plan

S = EpisodeState

STATE_FOR_PATIENTS: dict[EpisodeState, str] = {
    S.REFERRED: "We have your referral. A surgeon will see you to talk about your hip.",
    S.ASSESSED: "A surgeon has seen you. Together you are deciding what to do next.",
    S.LISTED: "You are on the list for an operation. A nurse will check you are ready for it.",
    S.OPTIMISING: "Before your operation, some things need to improve to make it safer. "
    "Your team will tell you what they are.",
    S.READY: "You are ready for your operation. We will offer you a date.",
    S.SCHEDULED: "Your operation has a date.",
    S.OPERATED: "You have had your operation.",
    S.RECOVERING: "You are recovering from your operation, with help from the physiotherapists.",
    S.FOLLOW_UP: "We will keep checking how your hip is doing at set times.",
    S.COMPLETED: "You no longer need regular check-ups for this hip. If it gives you trouble, "
    "contact us.",
    S.CONVERTED: "This hip has had a further operation (a hip replacement, or a revision of "
    "the implant). Its care continues under that operation.",
    S.WITHDRAWN: "The operation on this hip is not going ahead, so any date we gave you for it "
    "is cancelled. If your hip still troubles you, please talk to your GP.",
    S.DIED: "This episode of care has ended.",
}


def explain(state: EpisodeState) -> str:
    return STATE_FOR_PATIENTS[state]


def has_ended(state: EpisodeState) -> bool:
    """Withdrawn, converted or died: nothing more is coming for this hip (H82)."""
    return state in ENDED


# ------------------------------------------------------------ metal-on-metal checks (issue 15)
WHOLE_BLOOD = "whole-blood"


def _metals(names: list[str]) -> str:
    return " and ".join(names)


def metal_result_meaning(
    *, matrix: str, cobalt: float | None, chromium: float | None, rising: bool, concern: float
) -> str:
    """What one blood metal result means, for the patient: no numbers needed, no codes.

    ``concern`` is the whole-blood level (micrograms per litre) above which the team looks
    more closely (the catalogue's; MHRA MDA/2015/024). A serum or plasma sample is never
    compared with it.
    """
    if matrix != WHOLE_BLOOD:
        return (
            "This test was done on a different kind of blood sample from the one we use for "
            "these checks, so we cannot compare it with your other results. We will ask you "
            "for another blood test."
        )
    measured = {
        name: v for name, v in (("cobalt", cobalt), ("chromium", chromium)) if v is not None
    }
    plural = len(measured) > 1
    above = [name for name, v in measured.items() if v > concern]
    if above:
        return (
            f"Your {_metals(above)} level{'s were' if len(above) > 1 else ' was'} higher than "
            "the level at which we look more closely. Your hip team will look at this and may "
            "repeat the test or arrange a scan of your hip."
        )
    levels = f"Your {_metals(list(measured))} level{'s were' if plural else ' was'}"
    if any(v == concern for v in measured.values()):
        words = f"{levels} at the level at which we look more closely, but not above it."
    else:
        words = f"{levels} below the level at which we look more closely."
    if rising:
        words += (
            " They have gone up since your last test, so your hip team will look at this more "
            "closely and may arrange a scan."
        )
    return words


# ------------------------------------------------------------ one hip's journey (issue 17)
class StepStatus(StrEnum):
    DONE = "done"
    NOW = "now"  # the current step (aria-current="step")
    UNDER_WAY = "under-way"  # runs beside the current step (metal-on-metal checks)
    LATER = "later"

    @property
    def label(self) -> str:
        return STATUS_WORDS[self]


STATUS_WORDS = {
    StepStatus.DONE: "Done",
    StepStatus.NOW: "You are here",
    StepStatus.UNDER_WAY: "Under way",
    StepStatus.LATER: "To come",
}


@dataclass(frozen=True)
class JourneyStep:
    code: str
    title: str
    words: str  # what happens at this step, for the patient
    status: StepStatus

    @property
    def current(self) -> bool:
        """The step the hip is at now (``aria-current="step"``)."""
        return self.status is StepStatus.NOW


# The hip's care ended another way (withdrawn, converted, died): its explanation says so, and
# nothing is coming for it (no date, no questionnaire, no metal-on-metal check; H82).
ENDED = frozenset({S.WITHDRAWN, S.CONVERTED, S.DIED})
# A hip with a metal-on-metal implant in these states is told what to watch for between checks.
WATCHED = frozenset({S.FOLLOW_UP, S.COMPLETED})
METAL_CHECKS = "metal-checks"
# (code, title, words) in the order a hip goes through them.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("referral", "Referral", "Your doctor asks us to see you about your hip."),
    (
        "decision",
        "Deciding what to do",
        "A surgeon sees you, and together you decide whether an operation is right for you.",
    ),
    (
        "getting-ready",
        "Getting ready for the operation",
        "A nurse checks that you are ready for the operation, and we tell you which medicines "
        "to stop and when.",
    ),
    ("operation", "Your operation", "The day of your operation."),
    (
        "recovery",
        "Recovery",
        "You follow your recovery plan, with help from the physiotherapists.",
    ),
    (
        "follow-up",
        "Check-ups",
        "We check how your hip is doing at set times, with questionnaires and clinic visits.",
    ),
    (
        METAL_CHECKS,
        "Metal-on-metal checks",
        "Your hip has a metal-on-metal implant, so we check it regularly for as long as you "
        "have it: a talk with the team, and blood tests or scans when needed.",
    ),
)
STEP_OF_STATE: dict[EpisodeState, str] = {
    S.REFERRED: "referral",
    S.ASSESSED: "decision",
    S.LISTED: "getting-ready",
    S.OPTIMISING: "getting-ready",
    S.READY: "getting-ready",
    S.SCHEDULED: "getting-ready",
    S.OPERATED: "operation",
    S.RECOVERING: "recovery",
    S.FOLLOW_UP: "follow-up",
}
# What the portal offers, by state, as the patient's own records page did before (issue 12):
# the getting-ready letter before the operation, the recovery plan once it has a date.
LETTER_STATES = frozenset({S.LISTED, S.OPTIMISING, S.READY, S.SCHEDULED})
PLAN_STATES = frozenset({S.SCHEDULED, S.OPERATED, S.RECOVERING, S.FOLLOW_UP})


def offers_letter(state: EpisodeState) -> bool:
    return state in LETTER_STATES


def offers_plan(state: EpisodeState, operation_on: dt.date | None) -> bool:
    return operation_on is not None and state in PLAN_STATES


def journey(state: EpisodeState, *, followed_for_life: bool) -> tuple[JourneyStep, ...]:
    """The hip's steps in plain words, the current one marked; none once its care ended.

    Metal-on-metal checks are a step only for a hip followed for life; they run beside the
    check-ups, and are what remains once the check-ups are complete.
    """
    if state in ENDED:
        return ()
    codes = [c for c, _, _ in STEPS if followed_for_life or c != METAL_CHECKS]
    if state is S.COMPLETED:
        current = METAL_CHECKS if followed_for_life else None
    else:
        current = STEP_OF_STATE[state]
    at = codes.index(current) if current is not None else len(codes)
    steps = []
    for code, title, words in STEPS:
        if code not in codes:
            continue
        index = codes.index(code)
        if index < at:
            status = StepStatus.DONE
        elif index == at:
            status = StepStatus.NOW
        elif code == METAL_CHECKS and state is S.FOLLOW_UP:
            status = StepStatus.UNDER_WAY
        else:
            status = StepStatus.LATER
        steps.append(JourneyStep(code, title, words, status))
    return tuple(steps)


# ------------------------------------------------------------ the hip's dates, in words
@dataclass(frozen=True)
class Dated:
    """One day the patient should know about (or a range of days), and what happens on it."""

    on: dt.date
    what: str
    # medicine | operation | phase | appointment | before-operation | questionnaires | check
    kind: str
    until: dt.date | None = None  # a range: on one day from ``on`` to ``until``, not yet chosen

    @property
    def last(self) -> dt.date:
        return self.until or self.on


BEFORE_OPERATION = "before-operation"  # the questionnaires answered before the operation


def medicine_dates(stops: Sequence[MedicineStop]) -> list[Dated]:
    """The days of the getting-ready letter's medicine plan, each as the letter words it.

    Only the dates the engine gave (``decisions.domain.medicines``): a stop with no date yet
    gives none (the letter says the team will tell them).
    """
    found = []
    for s in stops:
        if s.action == "stop" and s.stop_on is not None and s.last_dose_on is not None:
            found += [
                Dated(
                    s.last_dose_on, f"Last dose of {s.medication} before your operation", "medicine"
                ),
                Dated(
                    s.stop_on,
                    f"Do not take {s.medication} from today until after your operation",
                    "medicine",
                ),
            ]
        if s.inr_check_on is not None:
            found.append(
                Dated(
                    s.inr_check_on,
                    "Blood test (INR) to check that your blood is clotting normally before "
                    "the operation",
                    "medicine",
                )
            )
        if s.restart_on is not None:
            found.append(Dated(s.restart_on, f"You can start {s.medication} again", "medicine"))
    return found


def plan_dates(plan: Plan) -> list[Dated]:
    """The recovery plan's days: each phase's first day (when it is known) and appointments.

    A phase whose end the surgeon chooses at the operation gives the plan's range for it
    (``earliest_end`` to ``latest_end``, as the plan page shows it); the phase after it has
    no first day of its own until then.
    """
    found = []
    known = True  # the first phase starts on the operation day
    for index, phase in enumerate(plan.phases):
        if known and phase.starts_on > plan.operation_on:
            found.append(Dated(phase.starts_on, f"From today: {phase.title}", "phase"))
        elif known:
            found.append(
                Dated(phase.starts_on, f"From the day of your operation: {phase.title}", "phase")
            )
        ranged = phase.earliest_end != phase.latest_end
        if not phase.settled and ranged:
            after = plan.phases[index + 1 : index + 2]
            then = (
                f", and {after[0].title[:1].lower()}{after[0].title[1:]} starts," if after else ""
            )
            what = f"{phase.title}: this stage ends{then}"
            found.append(Dated(phase.earliest_end, what, "phase", until=phase.latest_end))
        # The next phase starts when this one ends: known once its end is (a fixed day).
        known = phase.settled or not ranged
    found += [Dated(a.due_on, a.title, "appointment") for a in plan.appointments]
    return found


FIRST_ON_THE_DAY = {BEFORE_OPERATION: 0, "operation": 1}


def in_order(dates: Sequence[Dated]) -> list[Dated]:
    """Earliest first; on the operation day, what to do before it, then the operation."""
    return sorted(dates, key=lambda d: (d.on, FIRST_ON_THE_DAY.get(d.kind, 2)))
