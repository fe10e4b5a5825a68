"""Measurements in UCUM units: each converted to the one unit Coxa stores, or refused.

Units are UCUM codes (The Unified Code for Units of Measure, https://ucum.org; FHIR system
``http://unitsofmeasure.org``). A value is refused when its unit is not one Coxa knows for
that measurement, or when it is implausible once converted (a haemoglobin of 13 g/L is almost
certainly 13 g/dL: refused, with that hint, rather than silently converted). The LOINC code of
a measurement, where Coxa reads one, is in codes.py.
"""

import math
from dataclasses import dataclass
from typing import Literal, get_args

from coxa.core.errors import ErrorCode, Problem

# HbA1c: IFCC (mmol/mol) = (DCCT % - 2.15) x 10.929, the IFCC-NGSP master equation.
HBA1C_DCCT_OFFSET = 2.15
HBA1C_IFCC_PER_DCCT = 10.929
POUND_KG = 0.45359237  # the international avoirdupois pound ([lb_av])


@dataclass(frozen=True, slots=True)
class Conversion:
    """A unit Coxa accepts for a measurement: stored value = (value - offset) x factor."""

    unit: str
    factor: float
    offset: float = 0.0

    def apply(self, value: float) -> float:
        return (value - self.offset) * self.factor


@dataclass(frozen=True, slots=True)
class Measurement:
    unit: str  # the UCUM unit Coxa stores
    low: float  # plausible range, inclusive, in that unit
    high: float
    conversions: tuple[Conversion, ...] = ()
    # A unit often meant when a value is implausible in ``unit`` (the refusal hints at it).
    mistaken_for: str | None = None

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.unit, *(c.unit for c in self.conversions))


# What the pre-assessment clinic records and the decision engine reads.
ObservationCode = Literal[
    "height", "weight", "bmi", "systolic_bp", "diastolic_bp", "haemoglobin", "hba1c", "egfr"
]
MEASUREMENTS: dict[ObservationCode, Measurement] = {
    "height": Measurement("cm", 50, 250, (Conversion("m", 100),)),
    "weight": Measurement("kg", 20, 350, (Conversion("[lb_av]", POUND_KG),)),
    "bmi": Measurement("kg/m2", 10, 100),
    "systolic_bp": Measurement("mm[Hg]", 50, 300),
    "diastolic_bp": Measurement("mm[Hg]", 20, 200),
    "haemoglobin": Measurement("g/L", 30, 250, (Conversion("g/dL", 10),), mistaken_for="g/dL"),
    "hba1c": Measurement(
        "mmol/mol", 15, 200, (Conversion("%", HBA1C_IFCC_PER_DCCT, HBA1C_DCCT_OFFSET),)
    ),
    "egfr": Measurement("mL/min/{1.73_m2}", 1, 200),
}
OBSERVATION_CODES: tuple[ObservationCode, ...] = get_args(ObservationCode)

# Every UCUM unit Coxa uses: those of the measurements, and those of the catalogue's
# thresholds (sizes, angles, ages, waiting times).
UNITS: dict[str, str] = {
    "cm": "centimetre",
    "m": "metre",
    "mm": "millimetre",
    "kg": "kilogram",
    "[lb_av]": "pound (avoirdupois)",
    "kg/m2": "kilogram per square metre",
    "mm[Hg]": "millimetre of mercury",
    "g/L": "gram per litre",
    "g/dL": "gram per decilitre",
    "mmol/mol": "millimole per mole",
    "%": "percent",
    "mL/min/{1.73_m2}": "millilitre per minute per 1.73 square metres of body surface",
    "deg": "degree (plane angle)",
    "a": "year",
    "wk": "week",
}


# How people commonly write a unit, read as its UCUM code (UCUM, https://ucum.org): a clinic
# types "mmHg", a laboratory prints "µg/L". Only spellings that cannot mean another unit.
UNIT_SPELLINGS: dict[str, str] = {
    "mmHg": "mm[Hg]",
    "mm Hg": "mm[Hg]",
    "mmhg": "mm[Hg]",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "g/dl": "g/dL",
    "g/l": "g/L",
    "kg/m²": "kg/m2",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "mL/min/1.73 m2": "mL/min/{1.73_m2}",
    "ml/min/1.73 m2": "mL/min/{1.73_m2}",
    "mL/min/1.73m²": "mL/min/{1.73_m2}",
    "µg/L": "ug/L",
    "μg/L": "ug/L",  # the Greek mu, as some keyboards give it
    "ug/l": "ug/L",
    "ppb": "[ppb]",
    "nmol/l": "nmol/L",
}


def ucum(unit: str) -> str:
    """The UCUM code for a unit as people write it (unchanged when it is not a known spelling)."""
    unit = unit.strip()
    return UNIT_SPELLINGS.get(unit, unit)


def _at(field: str, part: str) -> str:
    return f"{field}.{part}" if field else part


def normalise(
    code: ObservationCode, value: float, unit: str, field: str = ""
) -> tuple[float | None, Problem | None]:
    """A measurement in Coxa's unit, or why it cannot be used.

    ``field`` is where the quantity sits in the input (``observations.bmi``); the problem
    names its ``.unit`` or ``.value`` (just ``unit`` or ``value`` when it is empty).
    """
    measure = MEASUREMENTS[code]
    unit = ucum(unit)
    if unit == measure.unit:
        converted = value
    else:
        conversion = next((c for c in measure.conversions if c.unit == unit), None)
        if conversion is None:
            return None, Problem(
                ErrorCode.UNKNOWN_UNIT,
                f"{code}: unit {unit!r} is not accepted; use {' or '.join(measure.accepted)} "
                "(UCUM)",
                _at(field, "unit"),
            )
        converted = conversion.apply(value)
    if not measure.low <= converted <= measure.high:
        return None, Problem(
            ErrorCode.IMPLAUSIBLE_VALUE,
            f"{code}: {value:g} {unit} is outside the plausible range "
            f"{measure.low:g}-{measure.high:g} {measure.unit}{_hint(measure, value, unit)}",
            _at(field, "value"),
        )
    return round(converted, 2), None


def _hint(measure: Measurement, value: float, unit: str) -> str:
    """'; did you mean g/dL?' when the value is plausible in the unit it is often meant in."""
    meant = next((c for c in measure.conversions if c.unit == measure.mistaken_for), None)
    if unit != measure.unit or meant is None:
        return ""
    return (
        f"; did you mean {meant.unit}?" if measure.low <= meant.apply(value) <= measure.high else ""
    )


# Blood cobalt and chromium (metal-on-metal surveillance, issue 15). Stored in micrograms per
# litre. A laboratory may report ppb (the MHRA's unit: for whole blood taken as equal to
# micrograms per litre, MHRA MDA/2015/024's "7 ppb (7 µg/L)"; strictly micrograms per
# kilogram, a 5% difference practice ignores) or nanomoles per litre, converted with the
# metal's atomic mass (µg/L = nmol/L x g/mol / 1000; 7 µg/L is 119 nmol/L of cobalt and
# 134.6 of chromium; the MHRA footnote gives 119 and 134.5).
Metal = Literal["cobalt", "chromium"]
METALS: tuple[Metal, ...] = get_args(Metal)
ATOMIC_MASS: dict[Metal, float] = {"cobalt": 58.933, "chromium": 51.996}  # g/mol (IUPAC)
METAL_UNITS: dict[str, str] = {
    "ug/L": "micrograms per litre",
    "[ppb]": "parts per billion",
    "nmol/L": "nanomoles per litre",
}
# Above this the value is a typing error, not a result (the highest reported after failed
# metal-on-metal hips are in the hundreds): service policy, not a clinical threshold.
METAL_PLAUSIBLE_UG_PER_L = 2000.0
UNITS.update(
    {"ug/L": "microgram per litre", "[ppb]": "part per billion", "nmol/L": "nanomole per litre"}
)


def metal_in_ug_per_l(
    metal: Metal, value: float, unit: str, field: str = ""
) -> tuple[float | None, Problem | None]:
    """A blood metal result in micrograms per litre, or why it cannot be used.

    Only the arithmetic of units: whether a sample's matrix may be compared with a
    whole-blood threshold is the surveillance rules' question, never answered here.
    """
    unit = ucum(unit)
    if unit not in METAL_UNITS:
        return None, Problem(
            ErrorCode.UNKNOWN_UNIT,
            f"unit {unit!r} is not accepted; use {', '.join(METAL_UNITS)} (UCUM)",
            _at(field, "unit"),
        )
    if math.isnan(value) or value < 0:
        return None, Problem(
            ErrorCode.IMPLAUSIBLE_VALUE,
            f"a level cannot be negative ({value:g} {unit})",
            _at(field, "value"),
        )
    converted = value * ATOMIC_MASS[metal] / 1000 if unit == "nmol/L" else value
    if converted > METAL_PLAUSIBLE_UG_PER_L:
        return None, Problem(
            ErrorCode.IMPLAUSIBLE_VALUE,
            f"{value:g} {unit} is above the plausible {METAL_PLAUSIBLE_UG_PER_L:g} µg/L",
            _at(field, "value"),
        )
    return round(converted, 3) + 0.0, None  # + 0.0: never a negative zero
