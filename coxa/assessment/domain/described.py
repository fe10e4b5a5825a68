"""A recorded clinic entry in words, as the clinic's summary and history show it. Pure.

Reads a stored entry by its attributes (any object with the kind's fields and ``on``); every
code is said through ``labels``. Measurements show Coxa's stored value and unit.
"""

from collections.abc import Callable, Iterable
from typing import Any

from coxa.assessment.domain.entries import Kind
from coxa.assessment.domain.labels import (
    MEASUREMENT_NAMES,
    choice_label,
    field_label,
    number,
    unit_symbol,
)
from coxa.core.words import short_date

_YES_NO = {True: "yes", False: "no"}


def reading(entry: Any) -> str:
    """'Haemoglobin 135 g/L'."""
    name = MEASUREMENT_NAMES.get(entry.code, entry.code)
    return f"{name} {number(entry.value)} {unit_symbol(entry.unit)}"


def blood_pressure(systolic: Any, diastolic: Any) -> str:
    """'Blood pressure 138/84 mmHg' from a systolic and a diastolic reading."""
    return f"Blood pressure {number(systolic.value)}/{number(diastolic.value)} mmHg"


def on(text: str, day: Any) -> str:
    """'Blood pressure 138/84 mmHg, 2 Dec 2026'."""
    return f"{text}, {short_date(day)}"


def _observation(e: Any) -> str:
    text = reading(e)
    recorded_as = getattr(e, "unit_as_recorded", e.unit)
    if recorded_as and recorded_as != e.unit:
        text += f" (recorded as {number(e.value_as_recorded)} {unit_symbol(recorded_as)})"
    return text


def _medication(e: Any) -> str:
    text = f"{e.name} ({choice_label('drug_class', e.drug_class).lower()})"
    if e.dose:
        text += f", {e.dose}"
    if e.indication:
        text += f", taken for {choice_label('indication', e.indication).lower()}"
    return text if e.active else f"{text}: no longer taken"


def _allergy(e: Any) -> str:
    text = e.substance + (f" ({e.reaction})" if e.reaction else "")
    if not e.substance_code:
        text += ", not coded"
    return text if e.status == "active" else f"{text}: {choice_label('status', e.status).lower()}"


def _review(e: Any) -> str:
    listed = "Medicines" if e.list == "medications" else "Allergies"
    if e.none_known:
        return f"{listed} checked: {'takes none' if e.list == 'medications' else 'none known'}"
    return f"{listed} checked with the patient"


def _smoking(e: Any) -> str:
    text = choice_label("status", e.status)
    return f"{text}, stopped {short_date(e.quit_on)}" if e.quit_on else text


_HISTORY_ASKED = ("diabetes", "coronary_stent_or_recent_acs", "metal_sensitivity")
_HISTORY_CHOSEN = ("haemoglobinopathy", "heart_valve", "pregnancy")


def _history(e: Any) -> str:
    found = [field_label(n) for n in _HISTORY_ASKED if getattr(e, n) is True]
    found += [
        choice_label(n, getattr(e, n))
        for n in _HISTORY_CHOSEN
        if getattr(e, n) and getattr(e, n) not in ("none", "not-pregnant")
    ]
    unknown = [
        field_label(n).split(",")[0].lower()
        for n in (*_HISTORY_ASKED, "haemoglobinopathy", "heart_valve")
        if getattr(e, n) in (None, "")
    ]
    text = "; ".join(found) if found else "Nothing of note among the conditions asked about"
    return f"{text}; not asked: {', '.join(unknown)}" if unknown else text


_MOTION = (
    ("flexion_deg", "flexion", "°"),
    ("abduction_deg", "abduction", "°"),
    ("internal_rotation_deg", "internal rotation", "°"),
    ("external_rotation_deg", "external rotation", "°"),
    ("leg_length_difference_mm", "leg length difference", " mm"),
)


def _examination(e: Any) -> str:
    parts = [f"{name} {number(v)}{unit}" for f, name, unit in _MOTION if (v := getattr(e, f))]
    parts += [f"gait: {e.gait}"] if e.gait else []
    text = ", ".join(parts) if parts else "Examined"
    return text[:1].upper() + text[1:]


def _imaging(e: Any) -> str:
    study = choice_label("modality", e.modality)
    side = "the pelvis" if e.side == "both" else f"the {e.side} hip"
    parts = [f"{study} of {side}"]
    if e.diagnosis:
        parts.append(choice_label("diagnosis", e.diagnosis).lower())
    if e.avn_system and e.avn_stage:
        parts.append(f"{choice_label('avn_system', e.avn_system)} stage {e.avn_stage}")
    if e.head_collapse is not None:
        parts.append("head collapsed" if e.head_collapse else "no collapse")
    if e.kerboul_angle_deg is not None:
        parts.append(f"Kerboul angle {number(e.kerboul_angle_deg)}°")
    if e.templated_head_size_mm is not None:
        parts.append(f"templated head {number(e.templated_head_size_mm)} mm")
    if e.acetabular_bone_stock:
        parts.append(f"socket bone stock {e.acetabular_bone_stock}")
    return ", ".join(parts)


def _anaesthetic(e: Any) -> str:
    options = " and ".join(o for o in e.options_discussed)
    return f"Discussed {options}; preference: {e.preference}"


def _plan(e: Any) -> str:
    if e.action == "continue":
        return f"{e.medicine}: continue"
    text = f"{e.medicine}: stop {e.days_before} days before"
    if e.restart_days_after is not None:
        text += f", restart {e.restart_days_after} days after"
    return text


def _vte(e: Any) -> str:
    setting = choice_label("setting", e.setting)
    verdict = "outweighs" if e.vte_risk_outweighs_bleeding_risk else "does not outweigh"
    return f"{setting}: VTE risk {verdict} the bleeding risk"


_DESCRIBE: dict[Kind, Callable[[Any], str]] = {
    Kind.OBSERVATION: _observation,
    Kind.MEDICATION: _medication,
    Kind.ALLERGY: _allergy,
    Kind.REVIEW: _review,
    Kind.SMOKING: _smoking,
    Kind.HISTORY: _history,
    Kind.EXAMINATION: _examination,
    Kind.IMAGING: _imaging,
    Kind.ASA: lambda e: f"ASA {e.grade}",
    Kind.ANAESTHETIC: _anaesthetic,
    Kind.ACTION: lambda e: choice_label("action", e.action),
    Kind.MEDICINE_PLAN: _plan,
    Kind.VTE: _vte,
}


def described(kind: Kind, entry: Any) -> str:
    """One entry in words, without its day."""
    return _DESCRIBE[kind](entry)


def joined(texts: Iterable[str]) -> str:
    return "; ".join(texts)


def yes_no(value: bool | None) -> str:
    return "not asked" if value is None else _YES_NO[value]
