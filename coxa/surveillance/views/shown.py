"""What the hip's surveillance page shows of each stored record, in words.

Stored flags and recommendations are plain data (``Flag.as_json``, ``Advice.as_json``); the
page shows each with its rule, the table's version and its sources by title (a source id the
catalogue does not know is shown as its id, never dropped).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_surveillance import IMPLANT_CLASSES
from coxa.surveillance.domain.imaging import (
    CLASSIFICATIONS,
    HAUPTFLEISCH,
    MODALITY_LABELS,
    XRAY_FINDINGS,
    Modality,
    Seen,
)
from coxa.surveillance.domain.recommend import SYMPTOMS, Answer, Recommendation
from coxa.surveillance.domain.results import Matrix
from coxa.surveillance.forms.records import UNIT_SHOWN
from coxa.surveillance.models import ImagingStudy, MetalIonResult, SurveillanceReview

SOFT_TISSUE_LABELS = {
    "fluid_collection": "Fluid collection",
    "solid_mass": "Solid mass",
    "muscle_involvement": "Muscle involvement",
    "bone_involvement": "Bone involvement",
}
ANSWER_LABELS = {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_ASKED: "Not asked"}
PLAN_LABELS = {r.value: r.label for r in Recommendation}


@dataclass(frozen=True)
class Cited:
    id: str
    title: str
    url: str


def cited(ids: Iterable[str]) -> list[Cited]:
    sources = get_catalogue().sources
    shown = []
    for code in ids:
        source = sources.get(code)
        if source is None:
            shown.append(Cited(code, code, ""))
        else:
            shown.append(Cited(code, source.title, source.url or ""))
    return shown


UG_PER_L = "_ug_per_l"
# The words of the codes a reason's facts may hold, by the fact's name.
CODE_WORDS: dict[str, Mapping[str, str]] = {
    "modality": {m.value: label for m, label in MODALITY_LABELS.items()},
    "matrix": {m.value: m.label for m in Matrix},
    "findings": XRAY_FINDINGS,
    "symptoms": SYMPTOMS,
}


def unit_shown(code: str) -> str:
    """A UCUM unit as staff read it: µg/L, ppb, nmol/L."""
    return UNIT_SHOWN.get(code, code)


def rule_title(code: str) -> str:
    """A schedule rule in words, from the table (its code when the table no longer has it)."""
    table = get_catalogue().surveillance
    rule = next((r for r in (table.default, *table.rules) if r.code == code), None)
    return rule.title if rule is not None else code


def _day(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"  # 28 Sep 2026, as the pages write a day


def _one(name: str, value: Any) -> str:
    if value is None or value == "":
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return f"{value:g}"
    text = str(value)
    if name == "schedule_rule":
        text = rule_title(text)
    elif name.endswith("_on"):
        text = _day(text)
    return CODE_WORDS.get(name, {}).get(text, text)


def _value(name: str, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_one(name, v) for v in value) or "none"
    return _one(name, value)


def _name(key: str) -> str:
    """performed_on → performed on; cobalt_ug_per_l → cobalt (µg/L)."""
    if key.endswith(UG_PER_L):
        return f"{key.removesuffix(UG_PER_L).replace('_', ' ')} (µg/L)"
    return key.replace("_", " ")


def facts_of(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A reason's facts in words: names without underscores, days and codes as staff say them."""
    return [(_name(k), _value(k, v)) for k, v in facts.items()]


@dataclass(frozen=True)
class ShownFlag:
    text: str
    rule_id: str
    rule_version: str
    sources: list[Cited]


def flags_of(stored: Iterable[Mapping[str, Any]]) -> list[ShownFlag]:
    return [
        ShownFlag(f["text"], f["rule_id"], f["rule_version"], cited(f.get("sources", ())))
        for f in stored
    ]


@dataclass(frozen=True)
class ShownLevel:
    reported: str  # "8.1 ug/L" as the laboratory reported it; "" not measured
    ug_per_l: float | None


@dataclass(frozen=True)
class ShownResult:
    row: MetalIonResult
    matrix: str
    cobalt: ShownLevel
    chromium: ShownLevel
    flags: list[ShownFlag]


def result_of(row: MetalIonResult) -> ShownResult:
    def level(value: float | None, unit: str, ug: float | None) -> ShownLevel:
        return ShownLevel(f"{value:g} {unit_shown(unit)}" if value is not None else "", ug)

    return ShownResult(
        row,
        Matrix(row.matrix).label,
        level(row.cobalt_value, row.cobalt_unit, row.cobalt_ug_per_l),
        level(row.chromium_value, row.chromium_unit, row.chromium_ug_per_l),
        flags_of(row.flags),
    )


@dataclass(frozen=True)
class ShownStudy:
    row: ImagingStudy
    modality: str
    findings: list[tuple[str, str, bool]]  # what, words, present (of concern)
    classification: str


def study_of(row: ImagingStudy) -> ShownStudy:
    modality = Modality(row.modality)
    findings: list[tuple[str, str, bool]] = []
    if modality.soft_tissue:
        for name, title in SOFT_TISSUE_LABELS.items():
            seen = Seen(getattr(row, name) or Seen.NOT_ASSESSED)
            findings.append((title, seen.label, seen == Seen.PRESENT))
        if row.very_large:
            findings.append(("Very large", "Yes", True))
    else:
        for code, title in XRAY_FINDINGS.items():
            seen = Seen(row.xray.get(code, Seen.NOT_ASSESSED))
            findings.append((title, seen.label, seen == Seen.PRESENT))
    if row.size_mm is not None:
        findings.append(("Largest size", f"{row.size_mm:g} mm", False))
    classification = ""
    if row.classification_system:
        system = CLASSIFICATIONS.get(row.classification_system, row.classification_system)
        words = (
            HAUPTFLEISCH.get(row.classification, row.classification)
            if row.classification_system == "hauptfleisch"
            else row.classification
        )
        classification = f"{system}: {words or 'class not given'}"
    return ShownStudy(row, modality.label, findings, classification)


@dataclass(frozen=True)
class ShownReason:
    message: str
    action: str
    rule_id: str
    rule_version: str
    sources: list[Cited]
    facts: list[tuple[str, str]]
    due_on: dt.date | None


@dataclass(frozen=True)
class ShownAdvice:
    headline: str
    reasons: list[ShownReason]
    missing: list[str]
    table_version: str
    schedule_rule: str


def advice_of(stored: Mapping[str, Any]) -> ShownAdvice:
    """A recommendation, explained, from ``Advice.as_json``."""
    reasons = [
        ShownReason(
            r["message"],
            PLAN_LABELS.get(r["action"], r["action"]),
            r["rule_id"],
            f"{r.get('rule_version', '')} (table {r.get('table_version', '')})",
            cited(r.get("sources", ())),
            facts_of(r.get("facts", {})),
            dt.date.fromisoformat(r["due_on"]) if r.get("due_on") else None,
        )
        for r in stored.get("reasons", ())
    ]
    return ShownAdvice(
        stored.get("label") or PLAN_LABELS.get(stored.get("recommendation", ""), ""),
        reasons,
        list(stored.get("missing", ())),
        stored.get("table_version", ""),
        rule_title(stored["schedule_rule"]) if stored.get("schedule_rule") else "",
    )


@dataclass(frozen=True)
class ShownReview:
    row: SurveillanceReview
    symptoms: list[tuple[str, str]]
    advice: ShownAdvice
    plan: str  # in words


def review_of(row: SurveillanceReview) -> ShownReview:
    symptoms = [
        (words, ANSWER_LABELS[Answer(row.symptoms.get(code, Answer.NOT_ASKED))])
        for code, words in SYMPTOMS.items()
    ]
    advice = advice_of(row.advice)
    if row.plan == "follow":
        plan = f"Follow the recommendation: {advice.headline}"
    else:
        plan = f"{PLAN_LABELS.get(row.plan, row.plan)} (instead of the recommendation)"
    return ShownReview(row, symptoms, advice, plan)


def implant_label(code: str) -> str:
    return IMPLANT_CLASSES.get(code, code)
