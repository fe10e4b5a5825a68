"""Every clinical code Coxa knows, in one table: system, code, display, and what Coxa reads.

Only codes with a verified source are here (``SOURCES``: each row names one); anything else
stays unknown, never guessed. No SNOMED CT concept was found for hip resurfacing, core
decompression or avascular necrosis of the femoral head, so none is listed. Versions: SNOMED CT
and LOINC as the sources cite them (international editions); ICD-10 is WHO's 2019 edition and
ICD-10-CM the CMS/NCHS tabular; the ATC index is WHO's of 2026-04-25 (its groups change rarely,
and a code in no group here is "other"); NHS dm+d ids are from its release of 2019-04-01. The
rows that say whether a condition is a hip's, and which side, are in ``hips.py``.
"""

import re
from typing import Annotated, Literal, cast, get_args

from pydantic import Field

from coxa.terminology.hips import HIP_CODES, HIP_SOURCES
from coxa.terminology.kinds import Code, System, Use

SOURCES = {
    "synthea-osteoarthritis": "Synthea osteoarthritis module (synthetichealth/synthea, "
    "src/main/resources/modules/osteoarthritis.json): SNOMED CT 239872002",
    "y2-snomed-thr": "SNOMED CT 52734007 Total replacement of hip (Synthea module; eCQM value "
    "set; HL7 Europe HDR example https://build.fhir.org/ig/hl7-eu/hdr/"
    "Procedure-procedure-left-hip-replacement.json)",
    "hl7-eu-laterality": "HL7 Europe base IG, siteLaterality value set (SNOMED CT qualifiers)",
    "who-icd-10": "WHO ICD-10 2019, block M86-M90: M87 Osteonecrosis (of any bone) "
    "(https://icd.who.int/browse10/2019/en/GetConcept?ConceptId=M86)",
    "fhir-vital-signs": "HL7 FHIR R4 vital-signs profiles (39156-5 BMI, 85354-9 blood pressure "
    "panel, 8480-6 systolic, 8462-4 diastolic), as many FHIR repositories use them, with "
    "4548-4 HbA1c",
    "loinc-top-2000": "LOINC top 2000 lab observations (HL7 Switzerland lab order IG, "
    "https://build.fhir.org/ig/hl7ch/ch-lab-order/ValueSet-top-2000-lab-observations-si.html)",
    "fhir-allergy-substances": "HL7 FHIR R4B value set AllergyIntolerance substance/product, "
    "condition and negation codes (SNOMED CT substances), as expanded in "
    "fhir-typescript/fhir-typescript core/r4b/dist/fhirValueSets/AllergyintoleranceCodes.d.ts",
    "loinc-59261-8": "LOINC 59261-8 (https://loinc.org/59261-8/, LOINC 2.67): HbA1c by the "
    "IFCC method, reported in mmol/mol; newer releases rename it (IFCC-RMP)",
    "ch-allergens": "HL7 Switzerland terminology, CHAllergyIntoleranceValueSet "
    "(github.com/hl7ch/ch-term, input/fsh/valueset/VSfromCHAllergyIntolerance.fsh): SNOMED CT "
    "substances with their full names",
    "pt-allergens": "HL7 Portugal terminologies, CPARA non-drug allergens v5.1.0 "
    "(github.com/hl7-pt/terminologias, input/fsh/valueSets/cpara-allergen-no-drug.fsh)",
    "atc-2026": "WHO ATC/DDD index as published on 2026-04-25 (atcddd.fhi.no; the table as "
    "scraped in github.com/fabkury/atcd, WHO ATC-DDD 2026-04-25.csv)",
    "dmd-2019": "NHS dm+d virtual therapeutic moieties, release 4.0.1 of 2019-04-01 (as kept in "
    "github.com/ebmdatalab/openprescribing, openprescribing/dmd/tests/data/dmd/2/"
    "f_vtm2_3010419.xml); re-check against the current release before relying on newer ones",
    "who-atc": "WHO Collaborating Centre for Drug Statistics Methodology: ATC classification "
    "index (https://atcddd.fhi.no/atc_ddd_index/)",
} | HIP_SOURCES

S, L, A = System.SNOMED_CT, System.LOINC, System.ATC
CODES: tuple[Code, ...] = (
    # conditions (and hips.py: ICD-10 coxarthrosis and osteonecrosis, body sites that are a hip)
    Code(S, "239872002", "Osteoarthritis of hip", Use.CONDITION, "osteoarthritis",
         "synthea-osteoarthritis"),
    *HIP_CODES,
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
    # the IFCC measure UK laboratories report, in mmol/mol (its unit is read from the value)
    Code(L, "59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol",
         Use.OBSERVATION, "hba1c", "loinc-59261-8"),
    # medicine classes (WHO ATC groups)
    Code(A, "B01AC", "Platelet aggregation inhibitors excl. heparin", Use.DRUG_CLASS,
         "antiplatelet", "who-atc", group=True),
    Code(A, "B01AA", "Vitamin K antagonists", Use.DRUG_CLASS, "vitamin-k-antagonist",
         "who-atc", group=True),
    Code(A, "B01AB", "Heparin group", Use.DRUG_CLASS, "heparin", "who-atc", group=True),
    # Direct thrombin inhibitors are mostly injected (argatroban, bivalirudin): only
    # dabigatran is taken by mouth, so only it is a DOAC; the rest are "anticoagulant".
    Code(A, "B01AE", "Direct thrombin inhibitors", Use.DRUG_CLASS, "anticoagulant", "who-atc",
         group=True),
    Code(A, "B01AE07", "Dabigatran etexilate", Use.DRUG_CLASS, "doac", "who-atc"),
    Code(A, "B01AF", "Direct factor Xa inhibitors", Use.DRUG_CLASS, "doac", "who-atc",
         group=True),
    Code(A, "M01A", "Antiinflammatory and antirheumatic products, non-steroids",
         Use.DRUG_CLASS, "nsaid", "who-atc", group=True),
    Code(A, "H02AB", "Glucocorticoids", Use.DRUG_CLASS, "corticosteroid", "who-atc",
         group=True),
    Code(A, "L04A", "Immunosuppressants", Use.DRUG_CLASS, "immunosuppressant", "who-atc",
         group=True),
    Code(A, "L04AB", "Tumor necrosis factor alpha (TNF-alpha) inhibitors", Use.DRUG_CLASS,
         "biologic", "who-atc", group=True),
    Code(A, "L04AC", "Interleukin inhibitors", Use.DRUG_CLASS, "biologic", "who-atc",
         group=True),
    # antineoplastic agents (methotrexate L01BA01, cyclophosphamide...): they suppress immunity
    Code(A, "L01", "Antineoplastic agents", Use.DRUG_CLASS, "immunosuppressant", "atc-2026",
         group=True),
    Code(A, "A07EA", "Corticosteroids acting locally", Use.DRUG_CLASS, "corticosteroid",
         "atc-2026", group=True),
    Code(A, "L01FA01", "Rituximab", Use.DRUG_CLASS, "biologic", "atc-2026"),
    Code(A, "B01AX05", "Fondaparinux", Use.DRUG_CLASS, "anticoagulant", "atc-2026"),
    Code(A, "G03CX01", "Tibolone", Use.DRUG_CLASS, "oestrogen", "atc-2026"),
    Code(A, "L04AA24", "Abatacept", Use.DRUG_CLASS, "biologic", "atc-2026"),
    Code(A, "L04AF", "Janus-associated kinase (JAK) inhibitors", Use.DRUG_CLASS, "biologic",
         "atc-2026", group=True),
    Code(A, "A10BK", "Sodium-glucose co-transporter 2 (SGLT2) inhibitors", Use.DRUG_CLASS,
         "sglt2-inhibitor", "who-atc", group=True),
    Code(A, "G03AA", "Progestogens and estrogens, fixed combinations", Use.DRUG_CLASS,
         "oestrogen", "who-atc", group=True),
    Code(A, "G03AB", "Progestogens and estrogens, sequential preparations", Use.DRUG_CLASS,
         "oestrogen", "who-atc", group=True),
    Code(A, "G03CA", "Natural and semisynthetic estrogens, plain", Use.DRUG_CLASS,
         "oestrogen", "who-atc", group=True),
    Code(A, "G03F", "Progestogens and estrogens in combination", Use.DRUG_CLASS,
         "oestrogen", "who-atc", group=True),
    # substances a patient may be allergic to (an allergy's code)
    Code(S, "54808007", "Cobalt", Use.SUBSTANCE, "cobalt", "ch-allergens"),
    Code(S, "111070004", "Chromium", Use.SUBSTANCE, "chromium", "pt-allergens"),
    Code(S, "33396006", "Nickel", Use.SUBSTANCE, "nickel", "ch-allergens"),
    Code(S, "1166006", "Titanium", Use.SUBSTANCE, "titanium", "pt-allergens"),
    Code(S, "425620007", "Metal", Use.SUBSTANCE, "metal", "pt-allergens"),
    Code(S, "764146007", "Penicillin", Use.SUBSTANCE, "penicillin", "ch-allergens"),
    Code(S, "406778007", "Beta-lactam", Use.SUBSTANCE, "beta-lactam", "ch-allergens"),
    Code(S, "372687004", "Amoxicillin", Use.SUBSTANCE, "amoxicillin", "ch-allergens"),
    Code(S, "764147003", "Cephalosporin", Use.SUBSTANCE, "cephalosporin", "ch-allergens"),
    Code(S, "387458008", "Aspirin", Use.SUBSTANCE, "aspirin", "ch-allergens"),
    Code(S, "372665008", "Non-steroidal anti-inflammatory agent", Use.SUBSTANCE, "nsaid",
         "ch-allergens"),
    Code(S, "387207008", "Ibuprofen", Use.SUBSTANCE, "ibuprofen", "ch-allergens"),
    Code(S, "7034005", "Diclofenac", Use.SUBSTANCE, "diclofenac", "ch-allergens"),
    Code(S, "387494007", "Codeine", Use.SUBSTANCE, "codeine", "ch-allergens"),
    Code(S, "373529000", "Morphine", Use.SUBSTANCE, "morphine", "ch-allergens"),
    Code(S, "386858008", "Tramadol", Use.SUBSTANCE, "tramadol", "ch-allergens"),
    Code(S, "1003751008", "Hevea brasiliensis latex", Use.SUBSTANCE, "latex", "ch-allergens"),
    Code(S, "43230003", "Rubber", Use.SUBSTANCE, "rubber", "ch-allergens"),
    Code(S, "373568007", "Chlorhexidine", Use.SUBSTANCE, "chlorhexidine", "ch-allergens"),
    Code(S, "57272005", "Iodine compound", Use.SUBSTANCE, "iodine", "ch-allergens"),
    Code(S, "387406002", "Sulfonamide", Use.SUBSTANCE, "sulfonamide", "ch-allergens"),
    Code(S, "387179001", "Trimethoprim", Use.SUBSTANCE, "trimethoprim", "ch-allergens"),
    Code(S, "372786004", "Clindamycin", Use.SUBSTANCE, "clindamycin", "ch-allergens"),
    Code(S, "387321007", "Gentamicin", Use.SUBSTANCE, "gentamicin", "ch-allergens"),
    Code(S, "372735009", "Vancomycin", Use.SUBSTANCE, "vancomycin", "ch-allergens"),
    Code(S, "387529008", "Teicoplanin", Use.SUBSTANCE, "teicoplanin", "ch-allergens"),
    Code(S, "372602008", "Metronidazole", Use.SUBSTANCE, "metronidazole", "ch-allergens"),
    Code(S, "372694001", "Erythromycin", Use.SUBSTANCE, "erythromycin", "ch-allergens"),
    Code(S, "387480006", "Lidocaine", Use.SUBSTANCE, "lidocaine", "ch-allergens"),
    Code(S, "418920007", "Adhesive agent", Use.SUBSTANCE, "adhesive", "pt-allergens"),
    # medicines by their NHS dm+d id (virtual therapeutic moieties), read as their ATC code
    Code(S, "7947003", "Aspirin", Use.MEDICINE, "B01AC06", "dmd-2019"),
    Code(S, "108979001", "Clopidogrel", Use.MEDICINE, "B01AC04", "dmd-2019"),
    Code(S, "443312008", "Prasugrel", Use.MEDICINE, "B01AC22", "dmd-2019"),
    Code(S, "704464003", "Ticagrelor", Use.MEDICINE, "B01AC24", "dmd-2019"),
    Code(S, "66859009", "Dipyridamole", Use.MEDICINE, "B01AC07", "dmd-2019"),
    Code(S, "48603004", "Warfarin", Use.MEDICINE, "B01AA03", "dmd-2019"),
    Code(S, "703906002", "Apixaban", Use.MEDICINE, "B01AF02", "dmd-2019"),
    Code(S, "442539005", "Rivaroxaban", Use.MEDICINE, "B01AF01", "dmd-2019"),
    Code(S, "714687009", "Edoxaban", Use.MEDICINE, "B01AF03", "dmd-2019"),
    Code(S, "13568411000001103", "Dabigatran etexilate", Use.MEDICINE, "B01AE07", "dmd-2019"),
    Code(S, "108984007", "Enoxaparin", Use.MEDICINE, "B01AB05", "dmd-2019"),
    Code(S, "108986009", "Dalteparin", Use.MEDICINE, "B01AB04", "dmd-2019"),
    Code(S, "350469004", "Tinzaparin", Use.MEDICINE, "B01AB10", "dmd-2019"),
    Code(S, "38268001", "Ibuprofen", Use.MEDICINE, "M01AE01", "dmd-2019"),
    Code(S, "11847009", "Naproxen", Use.MEDICINE, "M01AE02", "dmd-2019"),
    Code(S, "33734711000001108", "Diclofenac", Use.MEDICINE, "M01AB05", "dmd-2019"),
    Code(S, "370187009", "Celecoxib", Use.MEDICINE, "M01AH01", "dmd-2019"),
    Code(S, "395292007", "Etoricoxib", Use.MEDICINE, "M01AH05", "dmd-2019"),
    Code(S, "125694008", "Meloxicam", Use.MEDICINE, "M01AC06", "dmd-2019"),
    Code(S, "52388000", "Prednisolone", Use.MEDICINE, "H02AB06", "dmd-2019"),
    Code(S, "7561000", "Dexamethasone", Use.MEDICINE, "H02AB02", "dmd-2019"),
    Code(S, "68887009", "Methotrexate", Use.MEDICINE, "L04AX03", "dmd-2019"),
    Code(S, "111165009", "Azathioprine", Use.MEDICINE, "L04AX01", "dmd-2019"),
    Code(S, "109131004", "Mycophenolate mofetil", Use.MEDICINE, "L04AA06", "dmd-2019"),
    Code(S, "409331009", "Mycophenolic acid", Use.MEDICINE, "L04AA06", "dmd-2019"),
    Code(S, "109143003", "Leflunomide", Use.MEDICINE, "L04AK01", "dmd-2019"),
    Code(S, "80906007", "Ciclosporin", Use.MEDICINE, "L04AD01", "dmd-2019"),
    Code(S, "109129008", "Tacrolimus", Use.MEDICINE, "L04AD02", "dmd-2019"),
    Code(S, "398728003", "Adalimumab", Use.MEDICINE, "L04AB04", "dmd-2019"),
    Code(S, "118259007", "Etanercept", Use.MEDICINE, "L04AB01", "dmd-2019"),
    Code(S, "108675009", "Infliximab", Use.MEDICINE, "L04AB02", "dmd-2019"),
    Code(S, "444649004", "Tocilizumab", Use.MEDICINE, "L04AC07", "dmd-2019"),
    Code(S, "108809004", "Rituximab", Use.MEDICINE, "L01FA01", "dmd-2019"),
    Code(S, "421412005", "Abatacept", Use.MEDICINE, "L04AA24", "dmd-2019"),
    Code(S, "714689007", "Secukinumab", Use.MEDICINE, "L04AC10", "dmd-2019"),
    Code(S, "443644001", "Ustekinumab", Use.MEDICINE, "L04AC05", "dmd-2019"),
    Code(S, "704316006", "Tofacitinib", Use.MEDICINE, "L04AF01", "dmd-2019"),
    Code(S, "34345911000001107", "Baricitinib", Use.MEDICINE, "L04AF02", "dmd-2019"),
    Code(S, "703678003", "Dapagliflozin", Use.MEDICINE, "A10BK01", "dmd-2019"),
    Code(S, "703895009", "Empagliflozin", Use.MEDICINE, "A10BK03", "dmd-2019"),
    Code(S, "703681008", "Canagliflozin", Use.MEDICINE, "A10BK02", "dmd-2019"),
    Code(S, "36526211000001102", "Ertugliflozin", Use.MEDICINE, "A10BK04", "dmd-2019"),
    Code(S, "12839006", "Estradiol", Use.MEDICINE, "G03CA03", "dmd-2019"),
    # procedures (the catalogue's codings name these)
    Code(S, "52734007", "Total replacement of hip", Use.PROCEDURE, "total-hip-replacement",
         "y2-snomed-thr"),
)  # fmt: skip
del S, L, A

# The version of this table: a change of any row gives a new one (rules name it when they
# refuse a code it does not have). The code systems' editions are in the docstring above.
TABLE_VERSION = "coxa-codes 2026.12.2"

_EXACT: dict[tuple[str, str, Use], Code] = {
    (c.system, c.code, c.use): c for c in CODES if not c.group
}
_GROUPS = tuple(c for c in CODES if c.group)

# A medicine's class, as Coxa's rules and the catalogue name it. "anticoagulant" is one whose
# kind is not known (an uncoded entry, an injected thrombin inhibitor); "immunosuppressant"
# is a conventional one, "biologic" a biologic or targeted one.
DrugClass = Literal[
    "antiplatelet",
    "anticoagulant",
    "vitamin-k-antagonist",
    "doac",
    "heparin",
    "nsaid",
    "corticosteroid",
    "immunosuppressant",
    "biologic",
    "sglt2-inhibitor",
    "oestrogen",
    "other",
]
# The families a rule reads: every kind of anticoagulant, every immunosuppressant.
ANTICOAGULANTS: frozenset[str] = frozenset(
    {"anticoagulant", "vitamin-k-antagonist", "doac", "heparin"}
)
IMMUNOSUPPRESSANTS: frozenset[str] = frozenset({"immunosuppressant", "biologic"})
CLASS_LABELS: dict[str, str] = {
    "antiplatelet": "antiplatelet",
    "anticoagulant": "anticoagulant",
    "vitamin-k-antagonist": "anticoagulant (vitamin K antagonist)",
    "doac": "anticoagulant (direct oral anticoagulant)",
    "heparin": "anticoagulant (heparin)",
    "nsaid": "anti-inflammatory (NSAID)",
    "corticosteroid": "steroid",
    "immunosuppressant": "immunosuppressant",
    "biologic": "immunosuppressant (biologic or targeted)",
    "sglt2-inhibitor": "diabetes medicine (SGLT2 inhibitor)",
    "oestrogen": "oestrogen (contraceptive pill or HRT)",
    "other": "other",
}
ATC_PATTERN = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"  # a chemical substance (ATC level 5)
DRUG_CLASSES: tuple[DrugClass, ...] = get_args(DrugClass)
AtcCode = Annotated[str, Field(pattern=ATC_PATTERN)]
_FULL_ATC = re.compile(ATC_PATTERN)


def find(system: str, code: str, use: Use) -> Code | None:
    """The row for a code used as ``use``: an exact code, or the narrowest group it is in."""
    code = code.upper()
    if system == System.DMD:
        system = System.SNOMED_CT  # the same ids
    found = _EXACT.get((system, code, use))  # a System is its URI: plain strings find it
    if found is None:
        groups = [
            g for g in _GROUPS if g.system == system and g.use is use and code.startswith(g.code)
        ]
        found = max(groups, key=lambda g: len(g.code)) if groups else None
    return found


def family_of(drug_class: str) -> str:
    """The class whose advice covers a kind of it: a DOAC is an anticoagulant."""
    if drug_class in ANTICOAGULANTS:
        return "anticoagulant"
    if drug_class in IMMUNOSUPPRESSANTS:
        return "immunosuppressant"
    return drug_class


def meaning(system: str, code: str, use: Use) -> str | None:
    """What Coxa reads a code as (``Code.means``), or None when Coxa does not know it."""
    found = find(system, code, use)
    return None if found is None else found.means


def code_for(system: System, use: Use, means: str) -> Code:
    """The code in ``system`` that Coxa writes for one of its values."""
    return next(c for c in CODES if c.system is system and c.use is use and c.means == means)


def substance_of(code: str) -> str | None:
    """What a SNOMED CT substance code is, as Coxa names it ("nickel"); None if not listed."""
    return meaning(System.SNOMED_CT, code, Use.SUBSTANCE)


SUBSTANCES: dict[str, str] = {c.code: c.display for c in CODES if c.use is Use.SUBSTANCE}


def is_atc_substance(code: str) -> bool:
    """A full (level 5) ATC code, naming one chemical substance."""
    return bool(_FULL_ATC.match(code))


def drug_class_of(atc: str) -> DrugClass:
    """The class of a medicine by its ATC code; "other" for a code in no group listed."""
    means = meaning(System.ATC, atc, Use.DRUG_CLASS)
    return "other" if means is None else cast(DrugClass, means)  # DRUG_CLASSES holds it


__all__ = [
    "ANTICOAGULANTS",
    "ATC_PATTERN",
    "CLASS_LABELS",
    "CODES",
    "DRUG_CLASSES",
    "IMMUNOSUPPRESSANTS",
    "SOURCES",
    "SUBSTANCES",
    "TABLE_VERSION",
    "AtcCode",
    "Code",
    "DrugClass",
    "System",
    "Use",
    "code_for",
    "drug_class_of",
    "family_of",
    "find",
    "is_atc_substance",
    "meaning",
    "substance_of",
]
