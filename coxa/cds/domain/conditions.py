"""Which hip a FHIR Condition is about, if any, and what it says of it. Pure.

Read only through Coxa's terminology table (``coxa/terminology/hips.py`` and ``codes.py``):

- A hip condition by its code (coxarthrosis, ICD-10 M16; SNOMED CT osteoarthritis of hip;
  ICD-10-CM osteonecrosis of the femur) is a hip's. One of any bone (ICD-10 M87) is a hip's
  only where a body site is a hip (hip joint, hip region, femoral head): "right" alone says
  which side, not which bone. ICD-10-CM's femur codes hold the knee's condyles too, so a body
  site coded as somewhere that is not a hip takes the hip away.
- The side comes from the code itself (ICD-10-CM M16.11, WHO M16.0 bilateral) or from the
  body site (a laterality qualifier or a lateral hip site). Where both give one and they
  differ, the side is not known: the clinician records it, Coxa does not choose.
- Refuted, entered-in-error, inactive, resolved and remitted conditions do not count.
"""

import re
from dataclasses import dataclass
from typing import Any

from coxa.terminology.codes import Use, meaning

SIDES = {"left": ("left",), "right": ("right",), "both": ("left", "right")}
_STAGE = re.compile(r"\b(ARCO(?: 2019)?|Ficat(?:[- ]Arlet)?|Steinberg)\s+([0IVX]+[ABC]?)\b", re.I)
_SYSTEMS = {"arco": "arco-2019", "ficat": "ficat-arlet", "steinberg": "steinberg"}


@dataclass(frozen=True)
class HipCondition:
    """A condition of a hip: its diagnosis, the hips it is of (none when no side can be read)."""

    diagnosis: str
    sides: tuple[str, ...]
    stage: dict[str, str] | None


@dataclass(frozen=True)
class _Site:
    hip: bool  # a body site is a hip
    elsewhere: bool  # a body site is coded as something Coxa does not read as a hip or a side
    sides: tuple[str, ...]


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _read(coding: dict[str, Any], use: Use) -> str | None:
    return meaning(str(coding.get("system")), str(coding.get("code", "")), use)


def _sides(said: set[str]) -> tuple[str, ...]:
    return tuple(sorted({s for side in said for s in SIDES.get(side, ())}))


def _site(condition: dict[str, Any]) -> _Site:
    hip, elsewhere, said = False, False, set()
    for site in condition.get("bodySite") or []:
        for coding in codings(site):
            lateral, hip_site = _read(coding, Use.LATERALITY), _read(coding, Use.HIP_SITE)
            hip = hip or hip_site is not None
            elsewhere = elsewhere or (lateral is None and hip_site is None)
            said |= {s for s in (lateral, hip_site) if s in SIDES}
    return _Site(hip, elsewhere, _sides(said))


def _diagnosis(condition: dict[str, Any]) -> tuple[str, bool] | None:
    """(diagnosis, whether a hip site is needed); a hip condition by its code comes first."""
    found = [c for c in codings(condition.get("code")) if c.get("system") and c.get("code")]
    for use in (Use.CONDITION, Use.BONE_CONDITION):
        for coding in found:
            diagnosis = _read(coding, use)
            if diagnosis:
                return diagnosis, use is Use.BONE_CONDITION
    return None


def stage(condition: dict[str, Any]) -> dict[str, str] | None:
    for staged in condition.get("stage") or []:
        summary = staged.get("summary") if isinstance(staged, dict) else None
        texts = [summary.get("text", "")] if isinstance(summary, dict) else []
        texts += [c.get("display", "") for c in codings(summary)]
        for text in texts:
            match = _STAGE.search(str(text))
            if match:
                system = _SYSTEMS[match.group(1).split()[0].split("-")[0].lower()]
                return {"system": system, "stage": match.group(2).upper()}
    return None


def counts(condition: dict[str, Any]) -> bool:
    for key, excluded in (
        ("verificationStatus", {"refuted", "entered-in-error"}),
        ("clinicalStatus", {"inactive", "resolved", "remission"}),
    ):
        if any(c.get("code") in excluded for c in codings(condition.get(key))):
            return False
    return True


def hip_condition(condition: dict[str, Any]) -> HipCondition | None:
    """The hip condition a Condition records, or None when it is no current hip's."""
    read = _diagnosis(condition) if counts(condition) else None
    if read is None:
        return None
    diagnosis, needs_hip_site = read
    site = _site(condition)
    femur_only = diagnosis == "avascular-necrosis" and not needs_hip_site
    if (needs_hip_site and not site.hip) or (femur_only and site.elsewhere and not site.hip):
        return None
    by_code = _sides({s for c in codings(condition.get("code")) if (s := _read(c, Use.LATERALITY))})
    sides = by_code or site.sides
    if by_code and site.sides and by_code != site.sides:
        sides = ()  # the code and the body site disagree: the side is not known
    return HipCondition(diagnosis, sides, stage(condition))
