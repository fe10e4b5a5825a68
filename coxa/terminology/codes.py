"""Every clinical code Coxa knows, in one table: system, code, display, and what Coxa reads.

Only codes with a verified source are here (``SOURCES``: each row names one); anything else
stays unknown, never guessed. No SNOMED CT concept was found for hip resurfacing, core
decompression or avascular necrosis of the femoral head, so none is listed. Versions: SNOMED CT
and LOINC as the sources cite them (international editions); ICD-10 is WHO's 2019 edition; the
ATC index is WHO's (its groups change rarely, and a code in no group here is "other").
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal, cast, get_args

from pydantic import Field


class System(StrEnum):
    """Code systems, by the URI FHIR gives them."""

    SNOMED_CT = "http://snomed.info/sct"
    LOINC = "http://loinc.org"
    ICD_10 = "http://hl7.org/fhir/sid/icd-10"
    ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
    ATC = "http://www.whocc.no/atc"
    UCUM = "http://unitsofmeasure.org"  # units: see units.py


class Use(StrEnum):
    """What Coxa reads a code as; ``Code.means`` is then one of Coxa's own values."""

    CONDITION = "condition"  # a diagnosis (decisions' Diagnosis)
    LATERALITY = "laterality"  # a body-site qualifier: left, right or both
    OBSERVATION = "observation"  # a measurement (a code in units.MEASUREMENTS)
    PANEL = "panel"  # a panel whose components are read one by one
    DRUG_CLASS = "drug-class"  # a group of medicines (DrugClass)
    PROCEDURE = "procedure"  # an operation (the catalogue's procedure code)


@dataclass(frozen=True, slots=True)
class Code:
    system: System
    code: str
    display: str
    use: Use
    means: str
    source: str  # an id in SOURCES
    group: bool = False  # the code names a group: every code that begins with it is in it


SOURCES = {
    "synthea-osteoarthritis": "Synthea osteoarthritis module (synthetichealth/synthea, "
    "src/main/resources/modules/osteoarthritis.json): SNOMED CT 239872002",
    "y2-snomed-thr": "SNOMED CT 52734007 Total replacement of hip (Synthea module; eCQM value "
    "set; HL7 Europe HDR example https://build.fhir.org/ig/hl7-eu/hdr/"
    "Procedure-procedure-left-hip-replacement.json)",
    "hl7-eu-laterality": "HL7 Europe base IG, siteLaterality value set (SNOMED CT qualifiers)",
    "who-icd-10": "WHO ICD-10 2019, block M86-M90: M87 Osteonecrosis "
    "(https://icd.who.int/browse10/2019/en/GetConcept?ConceptId=M86); ICD-10-CM keeps M87",
    "fhir-vital-signs": "HL7 FHIR R4 vital-signs profiles (39156-5 BMI, 85354-9 blood pressure "
    "panel, 8480-6 systolic, 8462-4 diastolic), as many FHIR repositories use them, with "
    "4548-4 HbA1c",
    "loinc-top-2000": "LOINC top 2000 lab observations (HL7 Switzerland lab order IG, "
    "https://build.fhir.org/ig/hl7ch/ch-lab-order/ValueSet-top-2000-lab-observations-si.html)",
    "who-atc": "WHO Collaborating Centre for Drug Statistics Methodology: ATC classification "
    "index (https://atcddd.fhi.no/atc_ddd_index/)",
}

S, L, A = System.SNOMED_CT, System.LOINC, System.ATC
CODES: tuple[Code, ...] = (
    # conditions
    Code(S, "239872002", "Osteoarthritis of hip", Use.CONDITION, "osteoarthritis",
         "synthea-osteoarthritis"),
    Code(System.ICD_10, "M87", "Osteonecrosis", Use.CONDITION, "avascular-necrosis",
         "who-icd-10", group=True),
    Code(System.ICD_10_CM, "M87", "Osteonecrosis", Use.CONDITION, "avascular-necrosis",
         "who-icd-10", group=True),
    # laterality, as a Condition or a Procedure gives its body site
    Code(S, "7771000", "Left", Use.LATERALITY, "left", "hl7-eu-laterality"),
    Code(S, "24028007", "Right", Use.LATERALITY, "right", "hl7-eu-laterality"),
    Code(S, "51440002", "Right and left", Use.LATERALITY, "both", "hl7-eu-laterality"),
    # observations
    Code(L, "39156-5", "Body mass index (BMI) [Ratio]", Use.OBSERVATION, "bmi",
         "fhir-vital-signs"),
    Code(L, "85354-9", "Blood pressure panel with all children optional", Use.PANEL,
         "blood-pressure", "fhir-vital-signs"),
    Code(L, "8480-6", "Systolic blood pressure", Use.OBSERVATION, "systolic_bp",
         "fhir-vital-signs"),
    Code(L, "8462-4", "Diastolic blood pressure", Use.OBSERVATION, "diastolic_bp",
         "fhir-vital-signs"),
    Code(L, "718-7", "Hemoglobin [Mass/volume] in Blood", Use.OBSERVATION, "haemoglobin",
         "loinc-top-2000"),
    Code(L, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", Use.OBSERVATION, "hba1c",
         "fhir-vital-signs"),
    # medicine classes (WHO ATC groups)
    Code(A, "B01AC", "Platelet aggregation inhibitors excl. heparin", Use.DRUG_CLASS,
         "antiplatelet", "who-atc", group=True),
    Code(A, "B01AA", "Vitamin K antagonists", Use.DRUG_CLASS, "anticoagulant", "who-atc",
         group=True),
    Code(A, "B01AB", "Heparin group", Use.DRUG_CLASS, "anticoagulant", "who-atc", group=True),
    Code(A, "B01AE", "Direct thrombin inhibitors", Use.DRUG_CLASS, "anticoagulant", "who-atc",
         group=True),
    Code(A, "B01AF", "Direct factor Xa inhibitors", Use.DRUG_CLASS, "anticoagulant", "who-atc",
         group=True),
    Code(A, "M01A", "Antiinflammatory and antirheumatic products, non-steroids",
         Use.DRUG_CLASS, "nsaid", "who-atc", group=True),
    Code(A, "H02AB", "Glucocorticoids", Use.DRUG_CLASS, "corticosteroid", "who-atc",
         group=True),
    Code(A, "L04A", "Immunosuppressants", Use.DRUG_CLASS, "immunosuppressant", "who-atc",
         group=True),
    # procedures (the catalogue's codings name these)
    Code(S, "52734007", "Total replacement of hip", Use.PROCEDURE, "total-hip-replacement",
         "y2-snomed-thr"),
)  # fmt: skip
del S, L, A

_EXACT: dict[tuple[str, str], Code] = {(c.system, c.code): c for c in CODES if not c.group}
_GROUPS = tuple(c for c in CODES if c.group)

# A medicine's class, as Coxa's rules and the catalogue name it.
DrugClass = Literal[
    "antiplatelet", "nsaid", "anticoagulant", "corticosteroid", "immunosuppressant", "other"
]
ATC_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"  # a chemical substance (ATC level 5)
DRUG_CLASSES: tuple[DrugClass, ...] = get_args(DrugClass)
AtcCode = Annotated[str, Field(pattern=ATC_PATTERN)]
_FULL_ATC = re.compile(ATC_PATTERN)


def find(system: str, code: str, use: Use) -> Code | None:
    """The row for a code used as ``use``: an exact code, or a group it belongs to."""
    code = code.upper()
    found = _EXACT.get((system, code))  # a System is its URI: plain strings find it
    if found is None:
        found = next((g for g in _GROUPS if g.system == system and code.startswith(g.code)), None)
    return found if found is not None and found.use is use else None


def meaning(system: str, code: str, use: Use) -> str | None:
    """What Coxa reads a code as (``Code.means``), or None when Coxa does not know it."""
    found = find(system, code, use)
    return None if found is None else found.means


def code_for(system: System, use: Use, means: str) -> Code:
    """The code in ``system`` that Coxa writes for one of its values."""
    return next(c for c in CODES if c.system is system and c.use is use and c.means == means)


def is_atc_substance(code: str) -> bool:
    """A full (level 5) ATC code, naming one chemical substance."""
    return bool(_FULL_ATC.match(code))


def drug_class_of(atc: str) -> DrugClass:
    """The class of a medicine by its ATC code; "other" for a code in no group listed."""
    means = meaning(System.ATC, atc, Use.DRUG_CLASS)
    return "other" if means is None else cast(DrugClass, means)  # DRUG_CLASSES holds it
