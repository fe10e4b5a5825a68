"""What a row of the code table is: its code system, what Coxa reads it as, and the row. Pure.

``codes.py`` holds the one table (and re-exports these); ``hips.py`` holds its rows that say
whether a condition is a hip's and which side.
"""

from dataclasses import dataclass
from enum import StrEnum


class System(StrEnum):
    """Code systems, by the URI FHIR gives them."""

    SNOMED_CT = "http://snomed.info/sct"
    LOINC = "http://loinc.org"
    ICD_10 = "http://hl7.org/fhir/sid/icd-10"
    ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
    ATC = "http://www.whocc.no/atc"
    UCUM = "http://unitsofmeasure.org"  # units: see units.py
    # NHS dm+d concepts are SNOMED CT (UK drug extension) ids; some senders name dm+d itself.
    DMD = "https://dmd.nhs.uk"


class Use(StrEnum):
    """What Coxa reads a code as; ``Code.means`` is then one of Coxa's own values.

    One code may be read in more than one way (ICD-10-CM M16.11 is a hip condition and says
    "right"): it then has a row for each use.
    """

    CONDITION = "condition"  # a hip's diagnosis by itself (decisions' Diagnosis)
    # a diagnosis of any bone (osteonecrosis): a hip's only where its body site says hip
    BONE_CONDITION = "bone-condition"
    # the side a body-site qualifier, or a condition's own code, gives: left, right or both
    LATERALITY = "laterality"
    HIP_SITE = "hip-site"  # a body site that is a hip: its side, or "hip" when it gives none
    OBSERVATION = "observation"  # a measurement (a code in units.MEASUREMENTS)
    PANEL = "panel"  # a panel whose components are read one by one
    DRUG_CLASS = "drug-class"  # a group of medicines (DrugClass)
    SUBSTANCE = "substance"  # what a patient is allergic to (an allergy's substance)
    MEDICINE = "medicine"  # a medicine in another system; ``means`` is its ATC code
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
