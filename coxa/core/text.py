"""Checks on text people type: is a reason a reason?

A recorded reason (why a caution is accepted, why a restricted size was used, why a date
moved) must say something. "." or "ok" is refused: at least two words and eight letters.
This decides only whether there is a reason, never whether it is a good one; no coded rule
is ever passed on the strength of free text.
"""

MIN_LETTERS = 8
MIN_WORDS = 2


def meaningful(text: str) -> bool:
    """True when ``text`` reads as a reason: two or more words, eight or more letters."""
    letters = sum(ch.isalpha() for ch in text)
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    return letters >= MIN_LETTERS and len(words) >= MIN_WORDS
