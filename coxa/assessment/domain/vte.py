"""The VTE and bleeding risk assessment, at pre-assessment and again on admission. Pure.

NICE NG89 1.1 asks that every surgical patient's risk of VTE and of bleeding is assessed
with a tool published by a national UK body, naming the Department of Health (DH) VTE risk
assessment tool; the NICE quality standard asks that an assessment made at a pre-admission
clinic is reviewed on admission. Coxa records both as one kind of entry, told apart by its
``setting``; the operation note cannot be signed without the admission one
(``surgery.services.notes``).

Sources (verified for this module, issue 13):
- NICE NG89, recommendations 1.1 (risk assessment; the DH tool):
  https://www.nice.org.uk/guidance/ng89/chapter/Recommendations
- NICE quality standard, VTE and bleeding risk assessment (review on admission):
  http://www.nice.org.uk/guidance/qualitystandards/vteprevention/vtebleedingriskassessment.jsp
- The DH tool's thrombosis risk factors, as listed by Thrombosis UK's VTE Matters and in
  BJGP's table "Department of Health VTE risk assessment":
  https://www.vtematters.co.uk/hcp/venous-thromboembolism/risk-factors-and-assessment/risk-assessment
  and the DH tool itself (steps: mobility, thrombosis risk, bleeding risk):
  https://scribd.com/document/432992734/Department-of-Health-Vte-Risk-Assessment-Tool-PDF-4787149213
- Its bleeding risk factors, as tabled from the same criteria (ASH Hematology table
  "contraindications to anticoagulant prophylaxis"): http://ashpublications.net/view-large/8222293
Previous major bleeding is asked because issue 13 asks pre-assessment to record "previous
VTE or bleeding" (service policy, not the DH list).
"""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from coxa.assessment.domain.base import Entry, Text
from coxa.catalogue.schema_medicines import VteProphylaxis
from coxa.core.errors import ErrorCode, Problem
from coxa.core.inputs import STORABLE

NONE_OF_THESE = "none-of-these"


class VteRiskFactor(StrEnum):
    """The DH tool's thrombosis risk factors (patient- and admission-related)."""

    NONE_OF_THESE = NONE_OF_THESE
    ACTIVE_CANCER = "active-cancer"  # or cancer treatment
    AGE_OVER_60 = "age-over-60"
    CRITICAL_CARE = "critical-care-admission"
    DEHYDRATION = "dehydration"
    THROMBOPHILIA = "known-thrombophilia"
    OBESITY = "obesity"  # BMI over 30 kg/m2
    COMORBIDITY = "significant-comorbidity"  # heart, metabolic, endocrine, respiratory...
    PREVIOUS_VTE = "previous-vte"  # a personal history of VTE
    FAMILY_VTE = "first-degree-relative-vte"
    HRT = "hormone-replacement-therapy"
    OESTROGEN_CONTRACEPTIVE = "oestrogen-contraceptive"
    VARICOSE_PHLEBITIS = "varicose-veins-with-phlebitis"
    PREGNANCY = "pregnant-or-within-6-weeks-postpartum"
    REDUCED_MOBILITY = "significantly-reduced-mobility"  # expected, after the operation
    LONG_LOWER_LIMB_SURGERY = "lower-limb-surgery-over-60-minutes"  # anaesthetic and surgery


class BleedingRisk(StrEnum):
    """The DH tool's bleeding risk factors, and previous major bleeding (issue 13)."""

    NONE_OF_THESE = NONE_OF_THESE
    ACTIVE_BLEEDING = "active-bleeding"
    ACQUIRED_DISORDER = "acquired-bleeding-disorder"  # such as acute liver failure
    ANTICOAGULANT = "anticoagulant-raising-bleeding-risk"  # such as warfarin, INR above 2
    NEURAXIAL = "neuraxial-procedure-within-12-hours"  # spinal, epidural, lumbar puncture
    ACUTE_STROKE = "acute-stroke"
    THROMBOCYTOPENIA = "thrombocytopenia"  # platelets below 75 x 10^9/L
    HYPERTENSION = "uncontrolled-systolic-hypertension"  # 230/120 mmHg or higher
    INHERITED_DISORDER = "untreated-inherited-bleeding-disorder"  # haemophilia, von Willebrand
    PREVIOUS_MAJOR_BLEEDING = "previous-major-bleeding"


class VteSetting(StrEnum):
    PRE_ASSESSMENT = "pre-assessment"
    ADMISSION = "admission"  # the reassessment on the operation day or the day before


class VteAssessmentIn(Entry):
    """One VTE and bleeding risk assessment: every factor checked, and the conclusion.

    ``none-of-these`` is ticked when no factor applies, so an empty list is never read as
    "no risk". The conclusion is the clinician's (NG89: offer prophylaxis when the risk of
    VTE outweighs the risk of bleeding); the regimen, where known, is one the catalogue
    offers for the procedure.
    """

    setting: VteSetting
    risk_factors: tuple[VteRiskFactor, ...] = Field(min_length=1, max_length=20)
    bleeding_risks: tuple[BleedingRisk, ...] = Field(min_length=1, max_length=20)
    vte_risk_outweighs_bleeding_risk: bool
    regimen: Annotated[str, Field(max_length=40), STORABLE] | None = None
    note: Text = ""
    assessed_on: dt.date


def vte_problems(entry: VteAssessmentIn, offered: VteProphylaxis) -> list[Problem]:
    """What the checklist and the conclusion must mean, each problem on its field."""
    problems = []
    for name in ("risk_factors", "bleeding_risks"):
        ticked = {str(v) for v in getattr(entry, name)}
        if NONE_OF_THESE in ticked and len(ticked) > 1:
            problems.append(
                Problem(
                    ErrorCode.VTE_FACTORS_CONFLICT,
                    "'none of these' cannot be ticked with a factor: untick one",
                    name,
                )
            )
    if entry.regimen is None:
        return problems
    if not entry.vte_risk_outweighs_bleeding_risk:
        problems.append(
            Problem(
                ErrorCode.VTE_NOT_INDICATED,
                "a regimen is chosen only when the risk of VTE outweighs the risk of bleeding",
                "regimen",
            )
        )
    elif offered.regimen(entry.regimen) is None:
        names = ", ".join(r.code for r in offered.regimens) or "none (the surgeon chooses)"
        problems.append(
            Problem(
                ErrorCode.REGIMEN_NOT_OFFERED,
                f"{entry.regimen!r} is not a regimen offered for this operation; offered: {names}",
                "regimen",
            )
        )
    return problems


def admission_days(operation_on: dt.date) -> tuple[dt.date, dt.date]:
    """The days an admission reassessment counts for an operation: that day or the day before."""
    return operation_on - dt.timedelta(days=1), operation_on


def admitted_for(
    assessments: list[tuple[VteSetting | Literal["pre-assessment", "admission"], dt.date]],
    operation_on: dt.date,
) -> dt.date | None:
    """The day of the newest admission reassessment that counts for the operation, if any."""
    first, last = admission_days(operation_on)
    days = [on for setting, on in assessments if setting == "admission" and first <= on <= last]
    return max(days) if days else None
