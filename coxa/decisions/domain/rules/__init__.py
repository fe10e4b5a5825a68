"""The rule registry: every rule the engine runs, listed explicitly (no discovery).

Each rule is a small pure function over the facts; its thresholds come from the catalogue,
with their sources. Bump a rule's version whenever its logic changes: stored decisions keep
the versions they were made with.
"""

from coxa.decisions.domain.findings import Rule
from coxa.decisions.domain.rules import bhr, core_decompression, readiness, replacement

ALL_RULES: tuple[Rule, ...] = (
    bhr.sex,
    bhr.head_size,
    bhr.diagnosis,
    bhr.bone_stock,
    bhr.metal_sensitivity,
    bhr.renal_function,
    bhr.immune_suppression,
    bhr.age,
    bhr.activity,
    core_decompression.diagnosis,
    core_decompression.collapse,
    core_decompression.lesion_size,
    replacement.indication,
    readiness.bmi,
    readiness.blood_pressure,
    readiness.anaemia,
    readiness.hba1c,
    readiness.smoking,
    readiness.medicines,
    readiness.haemoglobinopathy,
    readiness.heart_valve,
    readiness.pregnancy,
)
