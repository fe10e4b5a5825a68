"""Consultation requests: what a request must hold, its statuses, and when one is over a limit.

Pure: no Django, no I/O. A request is never refused for being over a limit or for filling the
hidden field: it is kept and marked (ADR 0026), so that no real request is lost (hazard H78).
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from coxa.core.errors import ErrorCode, Problem
from coxa.core.text import NAME_MAX, NOTE_MAX, text_problem
from coxa.patients.domain import BARE_EMAIL_WORDS, is_email_address

NOT_SURE = "not-sure"  # the procedure of interest when the person does not know yet
NAME_LONGEST = 2 * NAME_MAX  # a whole name, as typed
EMAIL_MAX = 254
PHONE_MAX = 20
MESSAGE_MAX = NOTE_MAX
_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")


class Status(StrEnum):
    """Where a request is in the team's triage."""

    NEW = "new"
    CONTACTED = "contacted"
    BOOKED = "booked"  # turned into a patient and a referral episode
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.NEW: "New",
    Status.CONTACTED: "Contacted",
    Status.BOOKED: "Booked",
    Status.CLOSED: "Closed",
}
# Set by hand with an optional note; "booked" only by turning the request into a patient and
# a referral (``services.convert_enquiry``), after which the status stays.
BY_HAND = (Status.NEW, Status.CONTACTED, Status.CLOSED)


class Limit(StrEnum):
    """Which limit a request went over: it is kept, marked, and no email is sent."""

    ADDRESS = "address"  # too many requests for one email address
    CLIENT = "client"  # too many requests from one client (network address)

    @property
    def label(self) -> str:
        return {
            Limit.ADDRESS: "Over the limit for this email address",
            Limit.CLIENT: "Over the limit for this sender's network address",
        }[self]


@dataclass(frozen=True, slots=True)
class Limits:
    """How many requests an hour are answered by email, per address and per client."""

    per_address: int
    per_client: int


@dataclass(frozen=True, slots=True)
class EnquiryIn:
    """A consultation request as the person typed it."""

    name: str
    email: str
    procedure: str  # a catalogue procedure code, or NOT_SURE
    consent: bool
    phone: str = ""
    message: str = ""


def _text_problems(entry: EnquiryIn) -> list[Problem]:
    limits = {
        "name": (NAME_LONGEST, "name"),
        "email": (EMAIL_MAX, "email address"),
        "phone": (PHONE_MAX, "phone number"),
        "message": (MESSAGE_MAX, "message"),
    }
    found = (
        text_problem(getattr(entry, field), field=field, max_length=longest, label=label)
        for field, (longest, label) in limits.items()
    )
    return [p for p in found if p is not None]


def enquiry_problems(entry: EnquiryIn, *, procedures: Collection[str]) -> list[Problem]:
    """Every problem with a request, in the form's order; empty when it can be kept."""
    unstorable = _text_problems(entry)
    if unstorable:
        return unstorable
    problems = []
    if not entry.name.strip():
        problems.append(Problem(ErrorCode.REQUIRED, "enter your name", "name"))
    if not entry.email.strip():
        problems.append(Problem(ErrorCode.REQUIRED, "enter your email address", "email"))
    elif not is_email_address(entry.email.strip()):
        problems.append(
            Problem(
                ErrorCode.INVALID_EMAIL,
                "enter your email address on its own, in the form name@example.com "
                f"({BARE_EMAIL_WORDS})",
                "email",
            )
        )
    if not entry.procedure:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "choose the operation you are asking about, or Not sure yet",
                "procedure",
            )
        )
    elif entry.procedure != NOT_SURE and entry.procedure not in procedures:
        problems.append(
            Problem(ErrorCode.UNKNOWN_PROCEDURE, "choose one of the operations listed", "procedure")
        )
    if entry.phone.strip() and not _PHONE.match(entry.phone.strip()):
        problems.append(
            Problem(
                ErrorCode.INVALID_PHONE,
                "a phone number may hold digits, spaces and + ( ) -",
                "phone",
            )
        )
    if not entry.consent:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "tick the box to agree that the hip team may contact you: we cannot reply "
                "without it",
                "consent",
            )
        )
    return problems


def email_key(email: str) -> str:
    """An email address as the limit per address counts it: one inbox, one key.

    Only a bare address is kept (``is_email_address``), so the key is that address folded:
    capitals and spaces around it do not count, nor a "+tag" in the part before the @
    ("dora+1@example.org" is "dora@example.org"): most mail services deliver every tag to
    one inbox. The key is never used to send (ADR 0026): two people whose service treats
    "+" as an ordinary character only share a limit, and a request over it is still kept.
    """
    local, at, domain = email.strip().casefold().rpartition("@")
    if not at:
        return domain
    untagged = local.split("+", 1)[0] or local
    return f"{untagged}@{domain}"


def over_limit(*, from_address: int, from_client: int, limits: Limits) -> Limit | None:
    """Which limit a request goes over, given how many came before it in the window.

    The address is judged first: it is the person who would receive the emails.
    """
    if from_address >= limits.per_address:
        return Limit.ADDRESS
    if from_client >= limits.per_client:
        return Limit.CLIENT
    return None


def split_name(name: str) -> tuple[str, str]:
    """A whole name as (given, family): a suggestion for staff to check.

    The last word is taken as the family name ("Mary Anne Smith" -> ("Mary Anne", "Smith")).
    """
    words = name.split()
    if len(words) < 2:  # noqa: PLR2004 - a given and a family name
        return "", " ".join(words)
    return " ".join(words[:-1]), words[-1]


class Refusal(StrEnum):
    """Why a request's status cannot be set by hand as asked."""

    NOT_BY_HAND = "not-by-hand"  # booked: only by turning it into a patient and a referral
    BOOKED = "booked"  # a booked request stays booked
    SAME = "same"  # nothing would change

    def message(self, to: Status) -> str:
        return {
            Refusal.NOT_BY_HAND: "a request is booked by turning it into a patient and a referral",
            Refusal.BOOKED: "this request was turned into a patient and a referral: it stays "
            "booked",
            Refusal.SAME: f"the request is {to.label.lower()} already",
        }[self]


def status_refusal(current: Status, to: Status) -> Refusal | None:
    """Why a request cannot be moved by hand from ``current`` to ``to`` (None: it can)."""
    if to not in BY_HAND:
        return Refusal.NOT_BY_HAND
    if current is Status.BOOKED:
        return Refusal.BOOKED
    if current is to:
        return Refusal.SAME
    return None
