"""The clinic's words: each kind of entry, field, choice and unit as people read them. Pure.

One place for the labels of the pre-assessment clinic: the page's forms (``forms.py``), its
summary and its sections read them here, never a code typed into a template. A field or a
choice with no entry here is spoken by :func:`words`, which keeps acronyms and grades
("VTE", "MRI", "II") as they are written.
"""

import re

from coxa.assessment.domain.entries import Kind
from coxa.terminology.codes import CLASS_LABELS

KIND_TITLES: dict[Kind, str] = {
    Kind.OBSERVATION: "Observations",
    Kind.MEDICATION: "Medicines",
    Kind.ALLERGY: "Allergies",
    Kind.REVIEW: "Medicine and allergy lists checked",
    Kind.SMOKING: "Smoking",
    Kind.HISTORY: "Medical history",
    Kind.EXAMINATION: "Examination of the hip",
    Kind.IMAGING: "Imaging",
    Kind.ASA: "ASA grade",
    Kind.ANAESTHETIC: "Anaesthetic discussion",
    Kind.ACTION: "Actions taken",
    Kind.MEDICINE_PLAN: "Medicine plans",
    Kind.VTE: "VTE and bleeding risk assessment",
}

# The measurements, as a clinic names them (the observation's ``code``).
MEASUREMENT_NAMES: dict[str, str] = {
    "height": "Height",
    "weight": "Weight",
    "bmi": "BMI",
    "systolic_bp": "Systolic blood pressure",
    "diastolic_bp": "Diastolic blood pressure",
    "haemoglobin": "Haemoglobin",
    "hba1c": "HbA1c",
    "egfr": "eGFR",
}

# UCUM codes as people write them ("mmHg"); the code itself stays the option's value.
UNIT_SYMBOLS: dict[str, str] = {
    "cm": "cm",
    "m": "m",
    "mm": "mm",
    "kg": "kg",
    "[lb_av]": "lb",
    "kg/m2": "kg/m²",
    "mm[Hg]": "mmHg",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "mmol/mol": "mmol/mol",
    "%": "% (DCCT)",
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "deg": "°",
}

FIELD_LABELS: dict[str, str] = {
    "code": "Measurement",
    "value": "Value",
    "unit": "Unit",
    "observed_on": "Day measured",
    "name": "Medicine as the patient takes it",
    "class": "Class",
    "drug_class": "Class",
    "indication": "Why it is taken",
    "dose": "Dose",
    "active": "Still taking it",
    "recorded_on": "Day recorded",
    "substance": "Substance",
    "status": "Status",
    "reaction": "Reaction",
    "list": "List checked",
    "none_known": "Nothing on the list (takes no medicines, or no known allergies)",
    "reviewed_on": "Day checked",
    "quit_on": "Day stopped smoking",
    "diabetes": "Diabetes",
    "coronary_stent_or_recent_acs": "Coronary stent, or a heart attack in the last year",
    "metal_sensitivity": "Sensitivity to cobalt, chromium or nickel",
    "haemoglobinopathy": "Sickle cell or another haemoglobinopathy",
    "heart_valve": "Replaced heart valve",
    "pregnancy": "Pregnancy",
    "flexion_deg": "Flexion (degrees)",
    "abduction_deg": "Abduction (degrees)",
    "internal_rotation_deg": "Internal rotation (degrees)",
    "external_rotation_deg": "External rotation (degrees)",
    "leg_length_difference_mm": "Leg length difference (mm)",
    "gait": "Gait",
    "examined_on": "Day examined",
    "modality": "Study",
    "side": "Hip shown",
    "imaged_on": "Day of the study",
    "diagnosis": "Diagnosis",
    "avn_system": "AVN staging system",
    "avn_stage": "AVN stage",
    "head_collapse": "Femoral head collapsed",
    "kerboul_angle_deg": "Kerboul angle (degrees)",
    "templated_head_size_mm": "Templated head size (mm)",
    "acetabular_bone_stock": "Socket bone stock",
    "grade": "ASA grade",
    "assessed_on": "Day assessed",
    "options_discussed": "Anaesthetics discussed",
    "preference": "Patient's preference",
    "consultant_note": "Anaesthetist's note",
    "discussed_on": "Day discussed",
    "action": "Action",
    "note": "Note",
    "taken_on": "Day taken",
    "medicine": "Medicine",
    "days_before": "Days without it before the operation (the last dose is the day before)",
    "restart_days_after": "Restart, days after the operation",
    "anticoagulant_indication": "Why the anticoagulant is taken",
    "bridging": "Heparin bridging needed",
    "bridging_note": "Bridging plan",
    "creatinine_clearance_ml_min": "Creatinine clearance, mL/min (Cockcroft-Gault, not eGFR)",
    "inr_check_days_before": "INR check, days before the operation",
    "decided_on": "Day decided",
    "setting": "When assessed",
    "risk_factors": "VTE risk factors",
    "bleeding_risks": "Bleeding risks",
    "vte_risk_outweighs_bleeding_risk": "VTE risk outweighs the bleeding risk",
    "regimen": "Regimen (NICE NG89)",
    "reason": "Reason for the correction",
}

# Choices whose words are not the code's: by field, then by value.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "code": MEASUREMENT_NAMES,
    "drug_class": {c: label[:1].upper() + label[1:] for c, label in CLASS_LABELS.items()},
    "modality": {"x-ray": "X-ray", "mri": "MRI", "ct": "CT", "ultrasound": "Ultrasound"},
    "side": {"left": "Left", "right": "Right", "both": "Both (a pelvis)"},
    "avn_system": {"arco-2019": "ARCO 2019", "ficat-arlet": "Ficat and Arlet"},
    "haemoglobinopathy": {"none": "No haemoglobinopathy"},
    "heart_valve": {"none": "No replaced valve"},
    "list": {"medications": "Medicines", "allergies": "Allergies"},
    "status": {
        "never": "Never smoked",
        "former": "Former smoker",
        "current": "Smokes now",
        "active": "Allergic",
        "inactive": "No longer allergic",
        "refuted": "Tested: not allergic",
    },
    "action": {
        "weight-management": "Referred for weight management",
        "refer-gp-blood-pressure": "Referred to the GP for blood pressure",
        "anaemia-work-up": "Anaemia work-up started",
        "diabetes-optimisation": "Diabetes optimisation started",
        "stop-smoking": "Stop-smoking support offered",
        "medicine-review": "Medicines reviewed",
        "haematology-referral": "Referred to a haematologist",
        "haematology-plan": "Haematologist's plan received",
        "pregnancy-review": "Pregnancy reviewed",
        "continue": "Continue",
        "stop": "Stop",
    },
    "setting": {"pre-assessment": "At pre-assessment", "admission": "On admission"},
    "grade": {g: f"ASA {g}" for g in ("I", "II", "III", "IV", "V", "VI")},
    "risk_factors": {"none-of-these": "No risk factor on this list"},
    "bleeding_risks": {"none-of-these": "No bleeding risk on this list"},
}

_ACRONYMS = frozenset(
    {"vte", "gp", "tia", "mri", "ct", "bmi", "inr", "acs", "avn", "nsaid", "doac", "hrt", "lmwh"}
)
_SEPARATORS = re.compile(r"[-_\s]+")


def words(code: str) -> str:
    """A code in words: 'stroke-or-tia' -> 'Stroke or TIA'; a grade ('II') stays as it is."""
    if code.isupper() or not code:
        return code
    parts = [p.upper() if p in _ACRONYMS else p for p in _SEPARATORS.split(code.strip()) if p]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or words(name)


def choice_label(field: str, value: str) -> str:
    return CHOICE_LABELS.get(field, {}).get(value) or words(value)


def unit_symbol(unit: str) -> str:
    """A UCUM code as people write it ('mm[Hg]' -> 'mmHg'); an unknown code as it is."""
    return UNIT_SYMBOLS.get(unit, unit)


def number(value: float) -> str:
    """138.0 -> '138', 27.15 -> '27.15'."""
    return f"{value:g}"
