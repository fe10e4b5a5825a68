"""The clinic as a clinic works: one section a kind of record, in order, summarised first.

Each section names its kind in words, its latest entry (or "Not recorded"), the readiness
requirements it answers with their status in words, the forms the signed-in role may use
(none it would be refused), and its recorded entries. A section opens by default when a
requirement it answers is missing or expired, or when its form was sent back with problems.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.accounts.permissions import Op, admits
from coxa.assessment import selectors
from coxa.assessment.domain.described import blood_pressure, described, joined, on, reading
from coxa.assessment.domain.entries import PATIENT_LEVEL, Kind
from coxa.assessment.domain.held import medicine_key
from coxa.assessment.domain.labels import KIND_TITLES, MEASUREMENT_NAMES
from coxa.assessment.domain.panel import Panel
from coxa.assessment.domain.requirements import (
    EXPIRY_WARNING_DAYS,
    SATISFIED_BY,
    RequirementRow,
    RequirementStatus,
)
from coxa.assessment.forms import form_for
from coxa.assessment.services.entries import NEEDS, OPEN_FOR_ASSESSMENT
from coxa.core import clock
from coxa.pathways.models import Episode

HISTORY_SHOWN = 20  # entries a section lists (newest first), corrections among them


@dataclass(frozen=True, slots=True)
class Part:
    """A section of the clinic: a kind of entry, or the measurements of one kind it shows."""

    key: str  # the section's id on the page
    kind: Kind
    title: str
    codes: tuple[str, ...] = ()  # an observation section's measurements


# The order a clinic works: the patient's measurements and bloods, medicines and allergies
# (and the lists checked), history, smoking, then this hip (examination, imaging), the VTE
# assessment, the anaesthetist's part, and what clinicians decided or did about a gate.
PARTS = (
    Part(
        "observations",
        Kind.OBSERVATION,
        "Observations",
        ("systolic_bp", "diastolic_bp", "height", "weight", "bmi"),
    ),
    Part("blood-tests", Kind.OBSERVATION, "Blood tests", ("haemoglobin", "hba1c", "egfr")),
    *(
        Part(kind.value, kind, KIND_TITLES[kind])
        for kind in (
            Kind.MEDICATION,
            Kind.ALLERGY,
            Kind.REVIEW,
            Kind.HISTORY,
            Kind.SMOKING,
            Kind.EXAMINATION,
            Kind.IMAGING,
            Kind.VTE,
            Kind.ASA,
            Kind.ANAESTHETIC,
            Kind.MEDICINE_PLAN,
            Kind.ACTION,
        )
    ),
)
# Which section holds the facts a requirement needs (``requirements.SATISFIED_BY``).
FACT_PART = {
    "haemoglobin": "blood-tests",
    "systolic_bp": "observations",
    "diastolic_bp": "observations",
    "bmi": "observations",
    "imaging": "imaging",
    "imaging-mri": "imaging",
    "bone-stock": "imaging",
    "examination": "examination",
    "smoking": "smoking",
    "medications": "medication",
    "history": "history",
    "vte": "vte",
}
STATUS_WORDS = {
    RequirementStatus.MET: "Met",
    RequirementStatus.MISSING: "Missing",
    RequirementStatus.EXPIRED: "Expired",
    RequirementStatus.ABNORMAL: "Needs action",
}


@dataclass(frozen=True, slots=True)
class Need:
    """A readiness requirement as the clinic shows it: its status in words, with a mark."""

    row: RequirementRow
    status: str  # "Met", "Missing", "Expired", "Due to expire", "Needs action"
    mark: str  # the cue that is not a colour: ✓, ✗, !
    tone: str  # the badge's class: met, due, wanting
    part: str | None  # the section that records it

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def wanting(self) -> bool:
        """Missing or out of date: the clinic must record it."""
        return self.row.status in (RequirementStatus.MISSING, RequirementStatus.EXPIRED)


@dataclass
class Section:
    part: Part
    latest: str  # the latest entry in words, with its day; "Not recorded"
    needs: list[Need]
    forms: list[tuple[str, forms.Form]]  # (measurement, form): none when the role may not
    history: list[tuple[Any, str]]  # (entry, its words)
    may_correct: bool
    open: bool = False
    latest_lines: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.part.key

    @property
    def badges(self) -> list[tuple[Need, str, str]]:
        """(need, the requirement codes it stands for, its title if named).

        One badge when every requirement of the section shares a status.
        """
        if len({n.status for n in self.needs}) == 1:
            codes = " ".join(n.code for n in self.needs)
            return [(self.needs[0], codes, "")]
        return [(n, n.code, n.row.title) for n in self.needs]

    @property
    def kind(self) -> str:
        return self.part.kind.value

    @property
    def title(self) -> str:
        return self.part.title


def need_of(row: RequirementRow, today: dt.date, operation_on: dt.date | None) -> Need:
    """The requirement's status in words.

    Met but running out within the worklist's warning window (or before the operation day)
    is "Due to expire".
    """
    part = next((FACT_PART[f] for f in SATISFIED_BY.get(row.code, ()) if f in FACT_PART), None)
    status, mark, tone = STATUS_WORDS[row.status], "✓", "met"
    if row.status in (RequirementStatus.MISSING, RequirementStatus.EXPIRED):
        mark, tone = "✗", "wanting"
    elif row.status is RequirementStatus.ABNORMAL:
        mark, tone = "!", "wanting" if row.needs_action else "due"
    elif row.expires_on is not None and (
        row.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
        or (operation_on is not None and row.expires_on < operation_on)
    ):
        status, mark, tone = "Due to expire", "!", "due"
    return Need(row, status, mark, tone, part)


def may_record(user: User, episode: Episode, kind: Kind) -> bool:
    """Offer a kind's form only where the page and the service would both take it."""
    route = Op.PAGE_MEDICINE_PLAN if kind is Kind.MEDICINE_PLAN else Op.PAGE_CLINIC_RECORD
    capability = NEEDS.get(kind, Capability.RECORD_ASSESSMENT)
    open_for_it = kind in PATIENT_LEVEL or episode.state_enum in OPEN_FOR_ASSESSMENT
    return admits(route, user.role) and can(user.role, capability) and open_for_it


LISTS = (Kind.MEDICATION, Kind.ALLERGY, Kind.MEDICINE_PLAN)


def _pressure(current: list[Any]) -> tuple[Any, Any] | None:
    """The blood pressure the gate judges: the lowest of each on the latest day with both."""
    days = sorted({e.on for e in current if e.code in ("systolic_bp", "diastolic_bp")})
    for day in reversed(days):
        systolic = [e for e in current if e.code == "systolic_bp" and e.on == day]
        diastolic = [e for e in current if e.code == "diastolic_bp" and e.on == day]
        if systolic and diastolic:
            return min(systolic, key=lambda e: e.value), min(diastolic, key=lambda e: e.value)
    return None


def _observations(part: Part, readings: dict[str, Any], current: list[Any]) -> list[str]:
    """The latest reading of each measurement; blood pressure as the gate reads it.

    ``readings``: the current reading of each code, taken latest (``selectors.latest_readings``:
    a correction of an older reading never outranks a later one, hazard H73); blood pressure
    is the pair the readiness gate judges (``assessment.domain.facts``), so the page and the
    gate never disagree.
    """
    latest = {code: entry for code, entry in readings.items() if code in part.codes}
    lines = []
    pressure = _pressure(current) if "systolic_bp" in part.codes else None
    if pressure is not None:
        lines.append(on(blood_pressure(*pressure), pressure[0].on))
    latest.pop("systolic_bp", None)
    latest.pop("diastolic_bp", None)
    lines += [on(reading(latest[c]), latest[c].on) for c in part.codes if c in latest]
    return lines


def _checked(reviews: list[Any], kind: Kind) -> list[str]:
    """'Takes no medicines, 2 Dec 2026' when the newest check of the list found none."""
    if kind not in (Kind.MEDICATION, Kind.ALLERGY):
        return []
    listed = "medications" if kind is Kind.MEDICATION else "allergies"
    newest = next((r for r in reviews if r.is_current and r.list == listed), None)
    if newest is None or not newest.none_known:
        return []
    return [
        on("Takes no medicines" if listed == "medications" else "No known allergies", newest.on)
    ]


def _latest(
    part: Part, current: list[Any], reviews: list[Any], readings: dict[str, Any]
) -> list[str]:
    """What is recorded now, in words: each current medicine or allergy, else the latest."""
    if part.kind is Kind.OBSERVATION:
        return _observations(part, readings, current)
    if part.kind in (Kind.MEDICATION, Kind.ALLERGY, Kind.MEDICINE_PLAN):
        newest: dict[str, Any] = {}
        for entry in current:
            name = getattr(entry, "name", None) or getattr(entry, "medicine", None)
            newest.setdefault(medicine_key(name or entry.substance), entry)
        shown = [e for e in newest.values() if getattr(e, "active", True)]
        return [on(described(part.kind, e), e.on) for e in shown] or _checked(reviews, part.kind)
    if part.kind is Kind.REVIEW:
        lists: dict[str, Any] = {}
        for entry in current:
            lists.setdefault(entry.list, entry)
        return [on(described(part.kind, e), e.on) for e in lists.values()]
    return [on(described(part.kind, current[0]), current[0].on)] if current else []


def _one_line(lines: list[str]) -> str:
    """The section's summary line: its day said once when every item shares it."""
    if not lines:
        return "Not recorded"
    days = {line.rsplit(", ", 1)[-1] for line in lines}
    if len(lines) > 1 and len(days) == 1:
        return f"{joined(line.rsplit(', ', 1)[0] for line in lines)} ({days.pop()})"
    return joined(lines)


def _forms(part: Part, user: User, sent: forms.Form | None) -> list[tuple[str, forms.Form]]:
    clinician = can(user.role, Capability.DECIDE_MEDICINES)
    made: list[tuple[str, forms.Form]]
    if part.kind is Kind.OBSERVATION:
        made = [
            (MEASUREMENT_NAMES[c], form_for(part.kind, code=c, clinician=clinician)())
            for c in part.codes
        ]
    else:
        made = [("", form_for(part.kind, clinician=clinician)())]
    if sent is None:
        return made
    ids = getattr(sent, "ids", "")
    shown = [(legend, sent if getattr(f, "ids", "") == ids else f) for legend, f in made]
    return shown if any(f is sent for _, f in shown) else [("", sent), *made]


def sections(
    episode: Episode,
    user: User,
    panel: Panel,
    *,
    sent: tuple[str, forms.Form] | None = None,
) -> tuple[list[Section], list[Need]]:
    """The clinic's sections in order, and every requirement (those no section records too).

    ``sent``: (section key, the bound form sent back with problems): that section is open
    and shows it, with its problems at its top.
    """
    today = clock.today()
    needs = [need_of(r, today, episode.operation_on) for r in panel.requirements]
    by_kind = {
        kind: list(selectors.entries(kind, episode, current_only=False)[: HISTORY_SHOWN * 3])
        for kind in dict.fromkeys(p.kind for p in PARTS)
    }
    readings = selectors.latest_readings(episode)
    # Lists are read whole: a long-standing medicine or allergy is never lost past the history.
    lists = {k: list(selectors.entries(k, episode)) for k in LISTS}
    made = []
    for part in PARTS:
        entries = [e for e in by_kind[part.kind] if not part.codes or e.code in part.codes]
        current = lists.get(part.kind) or [e for e in entries if e.is_current]
        own = [n for n in needs if n.part == part.key]
        may = may_record(user, episode, part.kind)
        mine = sent[1] if sent and sent[0] == part.key else None
        lines = _latest(part, current, by_kind[Kind.REVIEW], readings)
        made.append(
            Section(
                part=part,
                latest=_one_line(lines),
                latest_lines=lines,
                needs=own,
                forms=_forms(part, user, mine) if may else [],
                history=[(e, described(part.kind, e)) for e in entries[:HISTORY_SHOWN]],
                may_correct=may,
                open=any(n.wanting for n in own) or mine is not None,
            )
        )
    return made, needs


def part_of(kind: Kind, code: Any = None) -> str:
    """The key of the section a kind's form sits in (an observation's: by its measurement)."""
    for part in PARTS:
        if part.kind is kind and (not part.codes or code in part.codes):
            return part.key
    return next(p.key for p in PARTS if p.kind is kind)


def part_title(key: str) -> str:
    return next(p.title for p in PARTS if p.key == key)


def wanting(needs: Iterable[Need]) -> list[Need]:
    """The requirements the clinic must act on: missing, expired, due to expire, abnormal."""
    return [n for n in needs if n.tone != "met"]
