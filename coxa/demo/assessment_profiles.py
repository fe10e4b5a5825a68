"""Pre-assessment records for demo episodes: who passes, who must optimise, who has gaps. Pure.

A profile is chosen from the episode's planned path: episodes that pass through optimising
fail one gate at listing (BMI, blood pressure, haemoglobin, HbA1c or smoking) and are fixed
before they become ready; episodes still listed have gaps (some with results too old to use);
everyone else passes. The values are synthetic and chosen to sit clearly on one side of each
catalogue threshold.
"""

import datetime as dt
import random
from typing import Any

GATES = ("bmi", "blood-pressure", "anaemia", "hba1c", "smoking")
# (name, class, WHO ATC code, why taken): aspirin for prevention, with no stent or recent
# heart attack in the history, is the one antiplatelet the source page's 10-day stop covers.
MEDICINES: tuple[tuple[str, str, str, str], ...] = (
    ("Aspirin 75 mg", "antiplatelet", "B01AC06", "primary-prevention"),
    ("Ibuprofen 400 mg", "nsaid", "M01AE01", ""),
    ("Ramipril 5 mg", "other", "C09AA05", ""),
    ("Atorvastatin 20 mg", "other", "C10AA05", ""),
)
ACTION_FOR = {
    "bmi": "weight-management",
    "blood-pressure": "refer-gp-blood-pressure",
    "anaemia": "anaemia-work-up",
    "hba1c": "diabetes-optimisation",
    "smoking": "stop-smoking",
}

Entry = tuple[str, dict[str, Any]]


def observation(code: str, value: float, unit: str, on: dt.date) -> Entry:
    return "observation", {"code": code, "value": value, "unit": unit, "observed_on": on}


def _imaging(procedure: str, side: str, on: dt.date, rng: random.Random) -> Entry:
    if procedure == "core-decompression":
        return "imaging", {
            "modality": "mri",
            "side": side,
            "imaged_on": on,
            "diagnosis": "avascular-necrosis",
            "avn_system": "arco-2019",
            "avn_stage": rng.choice(["I", "II"]),
            "head_collapse": False,
            "kerboul_angle_deg": rng.randint(120, 235),
        }
    if procedure == "bhr":
        return "imaging", {
            "modality": "x-ray",
            "side": side,
            "imaged_on": on,
            "diagnosis": "osteoarthritis",
            "templated_head_size_mm": rng.choice([50, 52, 54, 56]),
            "acetabular_bone_stock": "adequate",
        }
    return "imaging", {
        "modality": "x-ray",
        "side": side,
        "imaged_on": on,
        "diagnosis": rng.choice(["osteoarthritis", "avascular-necrosis"]),
    }


def vte_assessment(setting: str, on: dt.date, *, older: bool = False) -> dict[str, object]:
    """A VTE and bleeding risk assessment: the operation's risk outweighs bleeding risk."""
    factors = ["lower-limb-surgery-over-60-minutes", *(["age-over-60"] if older else [])]
    return {
        "setting": setting,
        "risk_factors": factors,
        "bleeding_risks": ["none-of-these"],
        "vte_risk_outweighs_bleeding_risk": True,
        "assessed_on": on,
    }


def listing_entries(
    *,
    procedure: str,
    side: str,
    sex: str,
    seed: int,
    day: dt.date,
    profile: str,
    gate: str | None,
) -> list[Entry]:
    """What the clinic records around the listing day, for one profile."""
    rng = random.Random(seed)
    on = day - dt.timedelta(days=120) if profile == "stale" else day
    haemoglobin = rng.randint(134, 158) if sex == "male" else rng.randint(124, 146)
    entries: list[Entry] = [
        observation("height", rng.randint(158, 192), "cm", on),
        observation("bmi", round(rng.uniform(22, 34), 1), "kg/m2", on),
        ("smoking", {"status": rng.choice(["never", "never", "former"]), "recorded_on": on}),
        (
            "history",
            {
                "diabetes": gate == "hba1c",
                "coronary_stent_or_recent_acs": False,
                "metal_sensitivity": False,
                "haemoglobinopathy": "none",
                "heart_valve": "none",
                **({} if sex == "male" else {"pregnancy": "not-pregnant"}),
                "recorded_on": on,
            },
        ),
        _imaging(procedure, side, on, rng),
    ]
    if profile in ("partial", "stale"):
        return entries  # blood pressure, bloods and medicines not yet recorded
    medicines = rng.sample(MEDICINES, rng.randint(0, 2))
    if gate != "blood-pressure":  # the clinic's own readings decide (lowest of the day)
        entries += [
            observation("systolic_bp", rng.randint(118, 158), "mm[Hg]", on),
            observation("diastolic_bp", rng.randint(66, 94), "mm[Hg]", on),
        ]
    if gate != "anaemia":
        entries.append(observation("haemoglobin", haemoglobin, "g/L", on))
    entries += [
        observation("egfr", rng.randint(64, 105), "mL/min/{1.73_m2}", on),
        ("review", {"list": "medications", "none_known": not medicines, "reviewed_on": on}),
        ("review", {"list": "allergies", "none_known": True, "reviewed_on": on}),
        (
            "examination",
            {
                "flexion_deg": rng.randint(70, 110),
                "abduction_deg": rng.randint(15, 40),
                "leg_length_difference_mm": rng.randint(-10, 10),
                "gait": rng.choice(["antalgic", "Trendelenburg", "normal"]),
                "examined_on": on,
            },
        ),
        ("asa", {"grade": rng.choice(["I", "II", "II", "III"]), "assessed_on": on}),
        ("vte", vte_assessment("pre-assessment", on, older=rng.choice([True, False]))),
        (
            "anaesthetic",
            {
                "options_discussed": ("general", "spinal"),
                "preference": rng.choice(["general", "spinal", "undecided"]),
                "consultant_note": "Both options discussed; patient to decide.",
                "discussed_on": on,
            },
        ),
    ]
    entries += [
        (
            "medication",
            {"name": name, "class": drug_class, "recorded_on": on}
            | ({"atc": atc} if atc else {})
            | ({"indication": why} if why else {}),
        )
        for name, drug_class, atc, why in medicines
    ]
    if gate is not None:
        entries += failing(gate, sex=sex, day=on)
        if rng.random() < 0.5:  # noqa: PLR2004 - half the gates are already acted on
            entries.append(
                (
                    "action",
                    {
                        "action": ACTION_FOR[gate],
                        "taken_on": on,
                        "note": "Referred at pre-assessment.",
                    },
                )
            )
    return entries


def failing(gate: str, *, sex: str, day: dt.date) -> list[Entry]:
    """A clearly failing value for one readiness gate."""
    return {
        "bmi": [observation("bmi", 42.5, "kg/m2", day)],
        "blood-pressure": [
            observation("systolic_bp", 186, "mm[Hg]", day),
            observation("diastolic_bp", 98, "mm[Hg]", day),
        ],
        "anaemia": [observation("haemoglobin", 112 if sex == "male" else 104, "g/L", day)],
        "hba1c": [observation("hba1c", 78, "mmol/mol", day)],
        "smoking": [("smoking", {"status": "current", "recorded_on": day})],
    }[gate]


def fixing(gate: str, *, sex: str, day: dt.date) -> list[Entry]:
    """The later, passing result that lets the episode become ready."""
    return {
        "bmi": [observation("bmi", 38.2, "kg/m2", day)],
        "blood-pressure": [
            observation("systolic_bp", 148, "mm[Hg]", day),
            observation("diastolic_bp", 86, "mm[Hg]", day),
        ],
        "anaemia": [observation("haemoglobin", 136 if sex == "male" else 126, "g/L", day)],
        "hba1c": [observation("hba1c", 58, "mmol/mol", day)],
        "smoking": [
            (
                "smoking",
                {"status": "former", "quit_on": day - dt.timedelta(days=35), "recorded_on": day},
            )
        ],
    }[gate]
