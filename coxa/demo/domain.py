"""Plans for synthetic demo patients. Pure and deterministic: the same seed, the same plan.

Nothing here is a real person: names are drawn from common-name lists and combined at
random; NHS numbers are in the 999 range used for test data, with valid check digits;
hospital numbers start with "D" for demo.
"""

import datetime as dt
import random
from dataclasses import dataclass

from coxa.accounts.domain import Role
from coxa.pathways.domain import EpisodeState, Side
from coxa.patients.domain import nhs_check_digit

S = EpisodeState

GIVEN_MALE = (
    "James",
    "Oliver",
    "Harry",
    "George",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Oscar",
    "Charlie",
    "Thomas",
    "William",
    "Henry",
    "Samuel",
    "Daniel",
    "Joseph",
    "David",
    "Michael",
    "Adam",
    "Ravi",
    "Imran",
    "Tomasz",
    "Kwame",
    "Connor",
    "Owen",
    "Rhys",
    "Callum",
    "Peter",
    "Mark",
)
GIVEN_FEMALE = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Grace",
    "Freya",
    "Sophie",
    "Emily",
    "Ella",
    "Hannah",
    "Chloe",
    "Lucy",
    "Sarah",
    "Priya",
    "Aisha",
    "Zofia",
    "Niamh",
    "Eilidh",
    "Megan",
    "Rachel",
    "Helen",
    "Ruth",
    "Claire",
    "Joanne",
    "Fatima",
    "Mei",
)
FAMILY = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
    "Davis",
    "Parker",
    "James",
    "Bennett",
    "Young",
    "Phillips",
    "Richardson",
    "Mitchell",
    "Bailey",
    "Carter",
    "Cook",
    "Singh",
    "Shaw",
    "Bell",
    "Collins",
    "Morgan",
    "Kelly",
    "Begum",
    "Miller",
    "Cox",
    "Hussain",
    "Marshall",
    "Simpson",
    "Price",
    "Anderson",
    "Adams",
    "Wilkinson",
    "Ali",
    "O'Brien",
    "Nowak",
    "Okafor",
    "MacDonald",
    "Chen",
    "Murphy",
    "Graham",
    "Ahmed",
    "Stewart",
)
POSTCODES = ("B15 2TH", "B29 6JD", "CV1 5FB", "WS1 1RL", "DY1 1HP", "WV1 1LY", "B90 3AB")

# The main route an episode follows when all goes to plan (DESIGN J2 to J12).
ROUTE = (
    S.ASSESSED,
    S.LISTED,
    S.READY,
    S.SCHEDULED,
    S.OPERATED,
    S.RECOVERING,
    S.FOLLOW_UP,
    S.COMPLETED,
)
# Days spent before each move (low, high): synthetic but of a plausible order.
DAYS_BEFORE: dict[EpisodeState, tuple[int, int]] = {
    S.ASSESSED: (10, 40),
    S.LISTED: (3, 30),
    S.OPTIMISING: (1, 14),
    S.READY: (7, 60),
    S.SCHEDULED: (3, 14),
    # Booked 12 to 28 days ahead: after the 10-day medicine stops, within the 30 days the
    # pre-operative medicine check stays valid (the booking checks both).
    S.OPERATED: (12, 28),
    S.RECOVERING: (1, 2),
    S.FOLLOW_UP: (14, 42),
    S.COMPLETED: (300, 420),
    S.WITHDRAWN: (5, 60),
    S.CONVERTED: (60, 900),
    S.DIED: (30, 700),
}
WHO_MOVES: dict[EpisodeState, Role] = {
    S.ASSESSED: Role.SURGEON,
    S.LISTED: Role.SURGEON,
    S.OPTIMISING: Role.NURSE,
    S.READY: Role.NURSE,
    S.SCHEDULED: Role.NURSE,
    S.OPERATED: Role.SURGEON,
    S.RECOVERING: Role.PHYSIOTHERAPIST,
    S.FOLLOW_UP: Role.PHYSIOTHERAPIST,
    S.COMPLETED: Role.SURGEON,
    S.WITHDRAWN: Role.SURGEON,
    S.CONVERTED: Role.SURGEON,
    S.DIED: Role.NURSE,  # told by the GP; recorded in the follow-up clinic
}
WITHDRAWAL_REASONS = (
    "Patient chose not to have surgery after discussing the options.",
    "Symptoms settled with physiotherapy; surgery not needed at present.",
    "Moved out of area; care transferred.",
)
# Each with its coded reason (the catalogue's endpoints.yaml) and the surgeon's note.
CONVERSION_REASONS = {
    "bhr": (
        (
            "adverse-reaction-to-metal-debris",
            "Persistent groin pain with raised blood cobalt; revision to hip replacement.",
        ),
        ("fracture", "Femoral neck fracture after resurfacing."),
    ),
    "core-decompression": (
        ("collapse", "Femoral head collapsed despite core decompression."),
        ("collapse", "Progression to collapse on follow-up X-ray."),
    ),
}
DEATH_NOTE = "Died at home; notified by the GP."
# Resurfacing patients are planned younger than 63, so that none turns 65 (a caution) on
# the way to the operation.
AGE_RANGE = {"bhr": (35, 62), "core-decompression": (22, 55), "total-hip-replacement": (50, 82)}
# Procedures whose implant is followed for life (the catalogue's `surveillance`; a demo test
# checks the two agree): their hips are never discharged from follow-up.
FOLLOWED_FOR_LIFE = frozenset({"bhr"})
PROCEDURES = ("bhr", "core-decompression", "total-hip-replacement")
TARGETS = tuple(EpisodeState)


@dataclass(frozen=True, slots=True)
class Step:
    to: EpisodeState
    days_after_previous: int
    by: Role
    reason: str = ""
    reason_code: str = ""  # a conversion's coded reason


@dataclass(frozen=True, slots=True)
class EpisodePlan:
    side: Side
    procedure: str
    steps: tuple[Step, ...]
    # After a conversion: the moves the linked replacement episode makes.
    replacement_steps: tuple[Step, ...] = ()

    @property
    def days(self) -> int:
        return sum(s.days_after_previous for s in self.steps + self.replacement_steps)


@dataclass(frozen=True, slots=True)
class PatientPlan:
    given_name: str
    family_name: str
    sex: str
    date_of_birth: dt.date
    nhs_number: str
    hospital_number: str
    phone: str
    postcode: str
    episodes: tuple[EpisodePlan, ...]
    referred_days_ago: tuple[int, ...]  # one per episode
    died_days_ago: int | None = None


def synthetic_nhs_number(rng: random.Random) -> str:
    """A number in the 999 test range with a valid modulus-11 check digit."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def _step(rng: random.Random, to: EpisodeState, reason: str = "", code: str = "") -> Step:
    low, high = DAYS_BEFORE[to]
    return Step(
        to=to,
        days_after_previous=rng.randint(low, high),
        by=WHO_MOVES[to],
        reason=reason,
        reason_code=code,
    )


def _route_to(rng: random.Random, target: EpisodeState, procedure: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    if target is S.REFERRED:
        return ()
    if target is S.WITHDRAWN:
        stop = rng.choice(ROUTE[:3])
        return (
            *_route_to(rng, stop, procedure),
            _step(rng, S.WITHDRAWN, rng.choice(WITHDRAWAL_REASONS)),
        )
    if target is S.CONVERTED:
        stops = (S.RECOVERING, S.FOLLOW_UP, S.COMPLETED)
        stop = rng.choice(stops[:2] if procedure in FOLLOWED_FOR_LIFE else stops)
        code, reason = rng.choice(CONVERSION_REASONS[procedure])
        return (*_route_to(rng, stop, procedure), _step(rng, S.CONVERTED, reason, code))
    if target is S.DIED:  # the patient died while the hip was followed (record_death)
        stop = rng.choice((S.RECOVERING, S.FOLLOW_UP))
        return (*_route_to(rng, stop, procedure), _step(rng, S.DIED, DEATH_NOTE))
    optimise = target is S.OPTIMISING or rng.random() < 0.3  # noqa: PLR2004
    for state in ROUTE:
        if state is S.READY and optimise:
            steps.append(_step(rng, S.OPTIMISING))
            if target is S.OPTIMISING:
                return tuple(steps)
        steps.append(_step(rng, state))
        if state is S.SCHEDULED and target is not S.SCHEDULED and rng.random() < 0.1:  # noqa: PLR2004
            # Postponed once, then re-dated: a backward move with its reason.
            steps.append(Step(S.READY, rng.randint(0, 3), Role.NURSE, "Theatre list cancelled."))
            steps.append(_step(rng, S.SCHEDULED))
        if state is target:
            break
    return tuple(steps)


def _episode(rng: random.Random, side: Side, procedure: str, target: EpisodeState) -> EpisodePlan:
    steps = _route_to(rng, target, procedure)
    replacement: tuple[Step, ...] = ()
    if target is S.CONVERTED:
        replacement = _route_to(rng, rng.choice(ROUTE[:6]), "total-hip-replacement")
    return EpisodePlan(side=side, procedure=procedure, steps=steps, replacement_steps=replacement)


def plan_patients(count: int, *, seed: int, today: dt.date) -> list[PatientPlan]:
    """Plan ``count`` patients whose episodes cover every state, procedure and hip."""
    rng = random.Random(seed)
    used_numbers: set[str] = set()
    plans: list[PatientPlan] = []
    for index in range(count):
        target = TARGETS[index % len(TARGETS)]
        procedure = PROCEDURES[(index // len(TARGETS)) % len(PROCEDURES)]
        if target is S.CONVERTED and procedure == "total-hip-replacement":
            procedure = rng.choice(PROCEDURES[:2])
        if target is S.COMPLETED and procedure in FOLLOWED_FOR_LIFE:  # never discharged
            procedure = rng.choice([p for p in PROCEDURES if p not in FOLLOWED_FOR_LIFE])
        sex = "male" if procedure == "bhr" or rng.random() < 0.5 else "female"  # noqa: PLR2004
        side = Side.LEFT if index % 2 else Side.RIGHT
        episodes = [_episode(rng, side, procedure, target)]
        if index % 5 == 0 and target is not S.DIED:  # both hips: the other side too
            other = Side.RIGHT if side is Side.LEFT else Side.LEFT
            episodes.append(_episode(rng, other, procedure, rng.choice(ROUTE[:4])))
        margins = [rng.randint(0, 20) for _ in episodes]
        referred_days_ago = tuple(e.days + m for e, m in zip(episodes, margins, strict=True))
        low, high = AGE_RANGE[procedure]
        age_days = rng.randint(low * 365, high * 365) + max(referred_days_ago)
        number = synthetic_nhs_number(rng)
        while number in used_numbers:
            number = synthetic_nhs_number(rng)
        used_numbers.add(number)
        closed = all(e.steps and e.steps[-1].to is S.COMPLETED for e in episodes)
        died = min(margins) // 2 if closed and index % 4 == 0 and min(margins) >= 2 else None  # noqa: PLR2004
        plans.append(
            PatientPlan(
                given_name=rng.choice(GIVEN_MALE if sex == "male" else GIVEN_FEMALE),
                family_name=rng.choice(FAMILY),
                sex=sex,
                date_of_birth=today - dt.timedelta(days=age_days),
                nhs_number="" if index % 11 == 3 else number,  # noqa: PLR2004 - some have none yet
                hospital_number=f"D{index + 1:06d}",
                phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama: never real
                postcode=rng.choice(POSTCODES),
                episodes=tuple(episodes),
                referred_days_ago=referred_days_ago,
                died_days_ago=died,
            )
        )
    return plans
