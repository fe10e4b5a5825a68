"""Staging systems for avascular necrosis of the femoral head, and where collapse begins.

ARCO 2019 (Yoon et al., J Arthroplasty 2020;35:933): I, II pre-collapse; IIIA (depression of
2 mm or less), IIIB (more than 2 mm) and IV after a subchondral fracture, i.e. collapse.
Ficat-Arlet: 0, I, II pre-collapse; III (crescent sign, flattening) and IV after.
Steinberg (JBJS Br 1995;77:34): 0, I, II pre-collapse; III (crescent) to VI after; stages I
to V may carry an extent letter A (<15%), B (15-30%) or C (>30%).
Source page (b): core decompression only before the joint surface collapses.
"""

import re
from dataclasses import dataclass
from enum import StrEnum


class StagingSystem(StrEnum):
    ARCO_2019 = "arco-2019"
    FICAT_ARLET = "ficat-arlet"
    STEINBERG = "steinberg"


_STAGES: dict[StagingSystem, dict[str, bool]] = {
    # stage -> has the head collapsed?
    StagingSystem.ARCO_2019: {"I": False, "II": False, "IIIA": True, "IIIB": True, "IV": True},
    StagingSystem.FICAT_ARLET: {"0": False, "I": False, "II": False, "III": True, "IV": True},
    StagingSystem.STEINBERG: {
        "0": False,
        "I": False,
        "II": False,
        "III": True,
        "IV": True,
        "V": True,
        "VI": True,
    },
}
_STEINBERG = re.compile(r"^(0|VI|(I|II|III|IV|V)([ABC])?)$")

LABELS = {
    StagingSystem.ARCO_2019: "ARCO 2019",
    StagingSystem.FICAT_ARLET: "Ficat-Arlet",
    StagingSystem.STEINBERG: "Steinberg",
}


@dataclass(frozen=True, slots=True)
class Stage:
    system: StagingSystem
    stage: str  # as normalised, e.g. "IIIA", "IIC"
    collapsed: bool

    @property
    def label(self) -> str:
        return f"{LABELS[self.system]} {self.stage}"


def allowed_stages(system: StagingSystem) -> str:
    if system is StagingSystem.STEINBERG:
        return "0, I-V (optionally with A, B or C), VI"
    return ", ".join(_STAGES[system])


def read_stage(system: StagingSystem, written: str) -> Stage | None:
    """Read a stage written in Roman numerals (any case); None if the system has no such stage."""
    stage = written.strip().upper()
    if system is StagingSystem.STEINBERG:
        match = _STEINBERG.match(stage)
        if match is None:
            return None
        base = match.group(2) or match.group(1)
        return Stage(system, stage, _STAGES[system][base])
    collapsed = _STAGES[system].get(stage)
    return None if collapsed is None else Stage(system, stage, collapsed)
