"""The demo's accounts: one per role, each marked as a demo account.

Demo accounts are refused unless COXA_DEBUG is on. Roles that need a second factor (the
administrator) get a device with a published secret, printed with the logins. The patient
account sees a demo patient whose hips show every portal page (issue 17).
"""

import datetime as dt
import random

from coxa.accounts import services as accounts
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.assessment.services.letters import letter_of
from coxa.core.audit import Via
from coxa.demo.domain import (
    FAMILY,
    GIVEN_MALE,
    POSTCODES,
    WHO_MOVES,
    EpisodePlan,
    PatientPlan,
    Step,
    synthetic_nhs_number,
)
from coxa.pathways.domain import EpisodeState, Side
from coxa.patients.models import Patient
from coxa.portal.domain import LETTER_STATES
from coxa.surgery.models import OperationNote

# One demo account per role, named after it (the API contract in issue 2).
DEMO_USERS: dict[str, tuple[Role, str, str]] = {
    "surgeon": (Role.SURGEON, "Sam", "Surgeon"),
    "nurse": (Role.NURSE, "Nia", "Nurse"),
    "anaesthetist": (Role.ANAESTHETIST, "Ada", "Anaesthetist"),
    "physio": (Role.PHYSIOTHERAPIST, "Phil", "Physio"),
    "admin": (Role.ADMINISTRATOR, "Alex", "Admin"),
    "analyst": (Role.ANALYST, "Ana", "Analyst"),
    "patient": (Role.PATIENT, "", ""),
}
# The demo's second-factor secret (hex), printed with the logins: public, like the password.
DEMO_TOTP_KEY = "436f78612064656d6f2d6f6e6c7920736563726574"  # "Coxa demo-only secret"


def ensure_users(password: str) -> tuple[dict[Role, User], int]:
    """Create the demo accounts that are missing; set every demo password and mark each."""
    by_role: dict[Role, User] = {}
    created = 0
    for username, (role, first, last) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.create_user(
                username=username,
                role=role.value,
                password=password,
                by=None,
                via=Via.CLI,
                first_name=first,
                last_name=last,
                check_password_strength=False,
                is_demo=True,
            )
            created += 1
        else:
            user.set_password(password)
            user.is_demo = True
            user.save(update_fields=["password", "is_demo"])
        if otp.required_for(user):
            otp.ensure_demo_device(user=user, key=DEMO_TOTP_KEY)
        by_role[role] = user
    return by_role, created


def second_factor_lines(users: dict[Role, User]) -> list[str]:
    """What to print beside the logins for demo accounts whose role needs a code."""
    lines = []
    for user in users.values():
        device = otp.confirmed_device(user)
        if device is None:
            continue
        lines += [
            f"{user.username} also needs a code from an authenticator app: add the secret "
            f"{otp.secret_of(device)} to one (or {otp.uri_of(device)}),",
            f"  or print the current code with `coxa otp_code {user.username}` (COXA_DEBUG on).",
        ]
    return lines


# The demo's own portal patient, made when no demo patient shows every portal page (issue 17):
# one hip resurfaced here and followed (a plan, questionnaires, metal-on-metal checks), the
# other booked for core decompression with a medicine to stop (the letter's dates).
PORTAL_PATIENT = "D900001"
# Before the operation: the states the portal offers the getting-ready letter in.
PRE_OPERATION = sorted(s.value for s in LETTER_STATES)


def portal_patient_plan(today: dt.date, seed: int = 2026) -> PatientPlan:
    """The portal patient's plan: fixed steps, seeded details (the same seed, the same man)."""
    rng = random.Random(seed + 17)  # issue 17
    followed = _plan(
        Side.RIGHT,
        "bhr",
        (
            (EpisodeState.ASSESSED, 21),
            (EpisodeState.LISTED, 14),
            (EpisodeState.READY, 20),
            (EpisodeState.SCHEDULED, 5),
            (EpisodeState.OPERATED, 21),
            (EpisodeState.RECOVERING, 1),
            (EpisodeState.FOLLOW_UP, 28),
        ),
    )
    booked = _plan(
        Side.LEFT,
        "core-decompression",
        (
            (EpisodeState.ASSESSED, 14),
            (EpisodeState.LISTED, 10),
            (EpisodeState.READY, 12),
            (EpisodeState.SCHEDULED, 3),
        ),
    )
    return PatientPlan(
        given_name=rng.choice(GIVEN_MALE),
        family_name=rng.choice(FAMILY),
        sex="male",  # resurfacing is no longer offered to women (MHRA MDA/2015/024)
        date_of_birth=today - dt.timedelta(days=rng.randint(44 * 365, 56 * 365)),
        nhs_number=_unused_nhs_number(rng),
        hospital_number=PORTAL_PATIENT,
        phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama: never real
        postcode=rng.choice(POSTCODES),
        episodes=(followed, booked),
        # The resurfacing about 16 months ago; the booking four days ago.
        referred_days_ago=(560, 43),
    )


def _plan(side: Side, procedure: str, steps: tuple[tuple[EpisodeState, int], ...]) -> EpisodePlan:
    """One hip's plan: each state held for its days, moved on by the role that moves it."""
    return EpisodePlan(
        side=side,
        procedure=procedure,
        steps=tuple(Step(state, days, WHO_MOVES[state]) for state, days in steps),
    )


def _unused_nhs_number(rng: random.Random) -> str:
    number = synthetic_nhs_number(rng)
    while Patient.objects.filter(nhs_number=number).exists():
        number = synthetic_nhs_number(rng)
    return number


def shows_every_page(patient: Patient) -> bool:
    """A hip operated here and followed, and another before its operation with dated stops."""
    episodes = list(patient.episodes.all())
    followed = any(
        e.state in ("recovering", "follow-up")
        and OperationNote.objects.filter(episode=e, signed_at__isnull=False).exists()
        for e in episodes
    )
    return followed and any(
        e.state in PRE_OPERATION and any(s.stop_on is not None for s in letter_of(e).stops)
        for e in episodes
    )


def portal_candidate() -> Patient | None:
    """The first demo patient, living and not linked, whose hips show every portal page."""
    both = (
        Patient.objects.filter(
            hospital_number__startswith="D", user__isnull=True, date_of_death__isnull=True
        )
        .filter(
            episodes__state__in=["recovering", "follow-up"],
            episodes__operation_note__signed_at__isnull=False,
        )
        .filter(episodes__state__in=PRE_OPERATION)
    )
    return next(
        (p for p in both.distinct().order_by("hospital_number") if shows_every_page(p)), None
    )
