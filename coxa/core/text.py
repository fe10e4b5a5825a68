"""Checks on text people type: is a reason a reason? Is a name a name?

A recorded reason (why a caution is accepted, why a restricted size was used, why a date
moved, why a hip goes back) must say something: "." or "ok" is refused; eight letters or
more is a reason ("postponed", "declined" pass). This decides only whether there is a
reason, never whether it is a good one; no coded rule is ever passed on free text alone.
"""

MIN_LETTERS = 8
MIN_NAME_LETTERS = 2


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def meaningful(text: str) -> bool:
    """True when ``text`` reads as a reason: eight letters or more."""
    return letters(text) >= MIN_LETTERS


def named(text: str) -> bool:
    """True when ``text`` can be a name (of a medicine, a substance): two letters or more."""
    return letters(text) >= MIN_NAME_LETTERS
