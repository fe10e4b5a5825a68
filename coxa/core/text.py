"""Checks on text people type: can it be stored? Is a reason a reason? Is a name a name?

Every text input, from the API and from pages alike, is checked here before it is kept:
no NUL character (PostgreSQL cannot store one), no lone surrogate (half of a character,
which no database can encode) and no more characters than its field allows. The limits
are named once below, so that the API's types, the forms and the models agree.

A recorded reason (why a caution is accepted, why a restricted size was used, why a date
moved, why a hip goes back) must say something: "." or "ok" is refused; eight letters or
more is a reason ("postponed", "declined" pass). This decides only whether there is a
reason, never whether it is a good one; no coded rule is ever passed on free text alone.
"""

from coxa.core.errors import ErrorCode, InvalidInput, Problem

MIN_LETTERS = 8
MIN_NAME_LETTERS = 2

# Longest text each kind of field takes (characters).
NAME_MAX = 100  # a person's given or family name, a medicine, a substance
LABEL_MAX = 120  # a short label: a product, a dose, a theatre list, a username
ADDRESS_MAX = 500
REASON_MAX = 2000  # why something was done or changed
NOTE_MAX = 4000  # clinical narrative: findings, events, an addendum, a note
SECRET_MAX = 1000  # a password as typed
QUERY_MAX = 200  # a search box or a filter value


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def meaningful(text: str) -> bool:
    """True when ``text`` reads as a reason: eight letters or more."""
    return letters(text) >= MIN_LETTERS


def named(text: str) -> bool:
    """True when ``text`` can be a name (of a medicine, a substance): two letters or more."""
    return letters(text) >= MIN_NAME_LETTERS


def unstorable(text: str) -> str:
    """What in ``text`` cannot be stored ('' when nothing).

    A NUL, a lone surrogate, or bytes that were not text (a page's form decodes them as
    U+FFFD, which no one types).
    """
    if "\x00" in text:
        return "a NUL character"
    if "\ufffd" in text:
        return "characters that could not be read"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (half of a character)"
    return ""


def text_problem(text: str, *, field: str, max_length: int, label: str = "") -> Problem | None:
    """Why ``text`` cannot be kept in ``field`` (None when it can); the message names it."""
    name = label or field.replace("_", " ")
    if len(text) > max_length:
        return Problem(
            ErrorCode.TOO_LONG, f"{name} must be at most {max_length:,} characters", field
        )
    bad = unstorable(text)
    if bad:
        return Problem(
            ErrorCode.INVALID_TEXT, f"{name} contains {bad}, which cannot be stored", field
        )
    return None


def storable(text: str, *, field: str, max_length: int, label: str = "") -> str:
    """Return ``text`` if it can be kept in ``field``; raise InvalidInput naming it if not."""
    problem = text_problem(text, field=field, max_length=max_length, label=label)
    if problem is not None:
        raise InvalidInput(problem.code, problem.message, problem.field)
    return text
