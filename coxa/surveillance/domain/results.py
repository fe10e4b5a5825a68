"""Blood cobalt and chromium results and their flags (pure; issue 15, ADR 0024).

A result is stored as reported (value, unit, matrix) and in micrograms per litre
(``terminology.units.metal_in_ug_per_l``). Only whole-blood results are compared with the
whole-blood thresholds or with each other: serum and plasma are stored and shown, never
converted to whole blood nor compared with it (MHRA MDA/2015/024 footnote: testing on whole
blood; Bone & Joint Research 2013: serum and whole blood are not interchangeable).

Every flag names its rule, the table's version and its sources.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coxa.catalogue.schema_surveillance import BloodMetalRules
from coxa.terminology.units import METALS, Metal


class Matrix(StrEnum):
    WHOLE_BLOOD = "whole-blood"
    SERUM = "serum"
    PLASMA = "plasma"

    @property
    def label(self) -> str:
        return {"whole-blood": "Whole blood", "serum": "Serum", "plasma": "Plasma"}[self.value]


# The sample tube, where the laboratory says (an EDTA or trace-element tube gives whole blood;
# a serum tube gives serum only, so its result is never a whole-blood result: heft-metal-ions).
TUBES: dict[str, str] = {
    "edta": "EDTA (whole blood)",
    "trace-element": "Trace-element tube (whole blood)",
    "lithium-heparin": "Lithium heparin",
    "serum": "Serum tube (clotted)",
}
SERUM_TUBES = frozenset({"serum"})


class FlagCode(StrEnum):
    ABOVE_CONCERN = "above-concern"  # more than 7 µg/L in whole blood
    RISING = "rising"  # up on the previous whole-blood result by more than the service's figure
    REPEAT_BLOODS = "repeat-bloods"  # repeat the test 3 months after a result above 7
    IMAGING_RECOMMENDED = "imaging-recommended"
    NOT_WHOLE_BLOOD = "not-whole-blood"  # stored, not compared: take a whole-blood sample


# Rule ids, versioned by the surveillance table's version.
RULE_CONCERN = "mom-blood-above-concern"
RULE_RISING = "mom-blood-rising"
RULE_MATRIX = "mom-blood-whole-blood-only"


@dataclass(frozen=True, slots=True)
class Levels:
    """One sample's levels in micrograms per litre (None: that metal was not measured)."""

    sampled_on: dt.date
    matrix: Matrix
    cobalt: float | None
    chromium: float | None

    def of(self, metal: Metal) -> float | None:
        return self.cobalt if metal == "cobalt" else self.chromium

    @property
    def highest(self) -> float | None:
        values = [v for v in (self.cobalt, self.chromium) if v is not None]
        return max(values) if values else None


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    text: str  # plain English, as staff read it
    rule_id: str
    rule_version: str  # the surveillance table's version
    sources: tuple[str, ...]
    metal: Metal | None = None
    due_on: dt.date | None = None  # a repeat's day
    facts: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "text": self.text,
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "sources": list(self.sources),
            "metal": self.metal,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "facts": {
                k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.facts.items()
            },
        }


def ug(value: float | None) -> str:
    """A level in words: at most two decimals, no trailing zeros ("2.06", "7", "12.5")."""
    return "not measured" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def previous_whole_blood(levels: Levels, earlier: Sequence[Levels]) -> Levels | None:
    """The whole-blood result sampled most recently before ``levels`` (None: none)."""
    before = [
        e for e in earlier if e.matrix == Matrix.WHOLE_BLOOD and e.sampled_on < levels.sampled_on
    ]
    return max(before, key=lambda e: e.sampled_on) if before else None


def flags_for(
    levels: Levels, earlier: Sequence[Levels], rules: BloodMetalRules, version: str
) -> tuple[Flag, ...]:
    """The flags a result raises, given the results before it (any order, any matrix)."""
    if levels.matrix != Matrix.WHOLE_BLOOD:
        return (
            Flag(
                FlagCode.NOT_WHOLE_BLOOD,
                f"{levels.matrix.label} sample: stored, but not compared with the whole-blood "
                "threshold or with whole-blood results. Take a whole-blood sample (EDTA) for "
                "this check.",
                RULE_MATRIX,
                version,
                (*rules.concern_sources, "heft-metal-ions"),
                facts={"matrix": levels.matrix.value},
            ),
        )
    threshold = rules.concern_above_ug_per_l
    above = [m for m in METALS if (v := levels.of(m)) is not None and v > threshold]
    flags: list[Flag] = [
        Flag(
            FlagCode.ABOVE_CONCERN,
            f"{metal.title()} {ug(levels.of(metal))} µg/L is above {threshold:g} µg/L in whole "
            "blood: a possible soft-tissue reaction.",
            RULE_CONCERN,
            version,
            rules.concern_sources,
            metal=metal,
            facts={"value_ug_per_l": levels.of(metal), "threshold_ug_per_l": threshold},
        )
        for metal in above
    ]
    previous = previous_whole_blood(levels, earlier)
    rising: list[Metal] = []
    if previous is not None:
        for metal in METALS:
            now, before = levels.of(metal), previous.of(metal)
            if now is None or before is None:
                continue
            if now - before > rules.rise_above_ug_per_l:
                rising.append(metal)
                flags.append(
                    Flag(
                        FlagCode.RISING,
                        f"{metal.title()} rose from {ug(before)} to {ug(now)} µg/L since "
                        f"{previous.sampled_on:%-d %b %Y}, more than the "
                        f"{rules.rise_above_ug_per_l:g} µg/L the service flags.",
                        RULE_RISING,
                        version,
                        rules.rise_sources,
                        metal=metal,
                        facts={
                            "previous_on": previous.sampled_on,
                            "previous_ug_per_l": before,
                            "value_ug_per_l": now,
                            "rise_above_ug_per_l": rules.rise_above_ug_per_l,
                        },
                    )
                )
    # A first result above the threshold (the one before it was not) is repeated 3 months
    # later (MHRA MDA/2015/024); a second one above it asks for imaging and the review's
    # judgement, not endless repeats.
    first = previous is None or (previous.highest or 0) <= threshold
    if above and first:
        repeat_on = levels.sampled_on + dt.timedelta(days=rules.repeat_after_days)
        flags.append(
            Flag(
                FlagCode.REPEAT_BLOODS,
                f"Repeat the blood metal levels 3 months after this sample, on or about "
                f"{repeat_on:%-d %b %Y}.",
                RULE_CONCERN,
                version,
                rules.repeat_sources,
                due_on=repeat_on,
                facts={"repeat_after_days": rules.repeat_after_days},
            )
        )
    if above or rising:
        flags.append(
            Flag(
                FlagCode.IMAGING_RECOMMENDED,
                "Image the hip (MARS MRI or ultrasound): "
                + ("levels above the threshold" if above else "rising levels")
                + " may mean a soft-tissue reaction.",
                RULE_CONCERN if above else RULE_RISING,
                version,
                (*rules.concern_sources, "mhra-mda-2017-018") if above else rules.rise_sources,
            )
        )
    return tuple(flags)
