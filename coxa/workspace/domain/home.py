"""A role's home page as data: groups of items, each one click from its task. Pure.

The selector (``selectors/home.py``) fills the groups from the owning apps' worklists; this
module holds what a group is, which grades raise an anaesthetic question, and the sorting.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

SHOWN = 10  # items shown in a group; the count says how many there are, the link shows all
THEATRE_DAYS = 14  # a surgeon's theatre lists: today and the next 14 days (issue 16)
ANAESTHETIC_DAYS = 28  # an anaesthetist's look-ahead: operations in the next four weeks
# ASA physical status III or more (ASA, amended 2020: severe systemic disease and worse): an
# anaesthetist sees the hip before the day.
ASA_QUESTION = frozenset({"III", "IV", "V", "VI"})


@dataclass(frozen=True, slots=True)
class Item:
    """One thing that needs this person, about one hip (or one account), and where to act."""

    what: str  # what needs doing, in words
    task: str  # the URL name of the page where it is done ("surgery:operation")
    key: uuid.UUID | str  # the URL's argument: an episode's public id, or a username
    patient: str = ""  # "FAMILY, Given"
    number: str = ""  # hospital number
    hip: str = ""  # "Left hip: Birmingham hip resurfacing"
    on: dt.date | None = None
    at: dt.time | None = None
    urgent: bool = False  # overdue, flagged, or not ready close to the day
    anchor: str = ""  # a section of the task's page ("note-h")
    episode: uuid.UUID | None = None  # the hip shown (named in the read's audit record)


@dataclass(frozen=True, slots=True)
class Group:
    """One list of a home page: its items (at most SHOWN), how many, and where all are."""

    code: str
    title: str
    empty: str  # said when there are none ("No notes waiting for your signature")
    items: tuple[Item, ...]
    count: int
    more: str = ""  # the URL name of the full list
    more_query: str = ""  # its filter ("status=flagged")
    more_label: str = ""
    capped: bool = False  # the count stopped at its cap: "or more"

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.items), 0)


@dataclass(frozen=True, slots=True)
class Home:
    """A person's home page: their role's groups, then the service's episodes by state."""

    role: str  # the role in words
    groups: tuple[Group, ...]
    counts: tuple[tuple[str, str, int], ...] = field(default=())  # (state, label, n)

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def shown(self) -> tuple[uuid.UUID, ...]:
        """Every hip shown, once, in order (the read's audit record names them)."""
        seen = dict.fromkeys(
            i.episode for g in self.groups for i in g.items if i.episode is not None
        )
        return tuple(seen)


def group(
    code: str,
    title: str,
    empty: str,
    items: list[Item],
    count: int,
    *,
    more: str = "",
    more_query: str = "",
    more_label: str = "",
    capped: bool = False,
    urgent_first: bool = True,
) -> Group:
    """A group of at most SHOWN items.

    Urgent ones first, unless the list's own order is the point (a theatre list by time).
    """
    ordered = sorted(items, key=lambda i: not i.urgent) if urgent_first else list(items)
    return Group(
        code,
        title,
        empty,
        tuple(ordered[:SHOWN]),
        max(count, len(items)),
        more,
        more_query,
        more_label,
        capped,
    )


def anaesthetic_question(*, asa: str | None, decisions: int, ready: bool) -> str:
    """Why an anaesthetist should see this hip before its day ("" when there is no reason)."""
    reasons = []
    if decisions:
        reasons.append(
            "a medicine decision waits"
            if decisions == 1
            else f"{decisions} medicine decisions wait"
        )
    if asa in ASA_QUESTION:
        reasons.append(f"ASA grade {asa}")
    if not ready:
        reasons.append("not ready for surgery")
    return "; ".join(reasons)


def hip_words(side: str, procedure_title: str) -> str:
    """The hip in words: "Left hip: Birmingham hip resurfacing"."""
    return f"{side.title()} hip: {procedure_title}" if side else procedure_title
