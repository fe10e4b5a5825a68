"""Measurements in UCUM units: each converted to Coxa's unit or refused, never guessed.

A value is refused when its unit is not one Coxa knows for that measurement, or when it is
implausible once converted (a haemoglobin of 13 g/L is almost certainly 13 g/dL: refused,
with that hint, rather than silently converted).
"""

from dataclasses import dataclass

from coxa.core.errors import ErrorCode, Problem

# HbA1c: IFCC (mmol/mol) = (DCCT % - 2.15) x 10.929, the IFCC-NGSP master equation.
HBA1C_DCCT_OFFSET = 2.15
HBA1C_IFCC_PER_DCCT = 10.929


@dataclass(frozen=True, slots=True)
class Measure:
    unit: str  # the UCUM unit Coxa stores
    low: float  # plausible range, inclusive, in that unit
    high: float
    conversions: tuple[tuple[str, str], ...] = ()  # (UCUM unit, how to convert) pairs


MEASURES: dict[str, Measure] = {
    "bmi": Measure("kg/m2", 10, 100),
    "systolic_bp": Measure("mm[Hg]", 50, 300),
    "diastolic_bp": Measure("mm[Hg]", 20, 200),
    "haemoglobin": Measure("g/L", 30, 250, (("g/dL", "x10"),)),
    "hba1c": Measure("mmol/mol", 15, 200, (("%", "dcct"),)),
    "egfr": Measure("mL/min/{1.73_m2}", 1, 200),
}


def _convert(value: float, how: str) -> float:
    if how == "x10":
        return value * 10
    return (value - HBA1C_DCCT_OFFSET) * HBA1C_IFCC_PER_DCCT


def normalise(
    code: str, value: float, unit: str, field: str
) -> tuple[float | None, Problem | None]:
    """Convert a measurement to Coxa's unit, or say precisely why it cannot be used."""
    measure = MEASURES[code]
    accepted = [measure.unit, *(u for u, _ in measure.conversions)]
    if unit == measure.unit:
        converted = value
    else:
        how = dict(measure.conversions).get(unit)
        if how is None:
            return None, Problem(
                ErrorCode.UNKNOWN_UNIT,
                f"{code}: unit {unit!r} is not accepted; use {' or '.join(accepted)} (UCUM)",
                f"{field}.unit",
            )
        converted = _convert(value, how)
    if not measure.low <= converted <= measure.high:
        hint = ""
        if code == "haemoglobin" and unit == "g/L" and 3 <= value <= 25:  # noqa: PLR2004
            hint = "; did you mean g/dL?"
        return None, Problem(
            ErrorCode.IMPLAUSIBLE_VALUE,
            f"{code}: {value:g} {unit} is outside the plausible range "
            f"{measure.low:g}-{measure.high:g} {measure.unit}{hint}",
            f"{field}.value",
        )
    return round(converted, 2), None
