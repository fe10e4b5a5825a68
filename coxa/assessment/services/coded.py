"""What coded entries must mean: a medicine from the list, an allergy's code, a plan's details.

Checked before anything is saved; each problem names its field.
"""

from coxa.assessment import selectors
from coxa.assessment.domain.entries import AllergyIn, MedicationIn, MedicinePlanIn
from coxa.assessment.domain.held import medicine_key
from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import ErrorCode, Problem
from coxa.core.text import named
from coxa.decisions.domain.anticoagulation import plan_problems as anticoagulation_problems
from coxa.decisions.domain.anticoagulation import timing_for
from coxa.pathways.models import Episode
from coxa.terminology.codes import SUBSTANCES, TABLE_VERSION, substance_of


def medicine_problems(entry: MedicationIn) -> list[Problem]:
    """A coded medicine must be known, in its class, named as itself; a known one coded.

    A medicine the catalogue lists is chosen from the list, never typed: a rule about it
    reads its code. The name typed beside a code must be that medicine's, so that the letter
    never names one medicine and gives another's advice.
    """
    medicines = get_catalogue().medicines
    words = set(entry.name.casefold().replace("-", " ").split())
    named_in = [m for m in medicines.values() if m.name.casefold() in words]
    if entry.atc is None:
        return [
            Problem(
                ErrorCode.CHOOSE_CODED,
                f"{m.name} is on the list of coded medicines: choose it there, so that the "
                "rules about it apply",
                "atc",
            )
            for m in named_in[:1]
        ]
    known = medicines.get(entry.atc)
    if known is None:
        return [
            Problem(
                ErrorCode.UNKNOWN_MEDICINE,
                f"{entry.atc} is not a medicine in the catalogue; leave the code blank and "
                "give the class",
                "atc",
            )
        ]
    problems = []
    if known.drug_class != entry.drug_class:
        problems.append(
            Problem(
                ErrorCode.CLASS_MISMATCH,
                f"{entry.atc} is {known.name}, a {known.drug_class} medicine, not "
                f"{entry.drug_class}",
                "class",
            )
        )
    if known not in named_in or len(named_in) > 1:
        problems.append(
            Problem(
                ErrorCode.NAME_MISMATCH,
                f"the code chosen is {known.name}: name the medicine as {known.name} "
                "(with its strength), or choose the code of the medicine named",
                "name",
            )
        )
    return problems


def allergy_problems(entry: AllergyIn) -> list[Problem]:
    """A substance in words; a code only from Coxa's table, reported when it is not there."""
    problems = []
    if not named(entry.substance):
        problems.append(Problem(ErrorCode.INVALID_NAME, "name the substance", "substance"))
    problems += _substance_mismatch(entry)
    if entry.substance_code is not None and substance_of(entry.substance_code) is None:
        problems.append(
            Problem(
                ErrorCode.UNKNOWN_CODE,
                f"SNOMED CT {entry.substance_code} is not a substance on Coxa's list "
                f"({TABLE_VERSION}): leave the code blank (the allergy then counts as not "
                "coded) or choose one from the list",
                "substance_code",
            )
        )
    return problems


def _substance_mismatch(entry: AllergyIn) -> list[Problem]:
    """The words must not name another listed substance than the code chosen (a mis-click)."""
    code = entry.substance_code
    if code is None or code not in SUBSTANCES:
        return []
    words = entry.substance.casefold()
    named = [d for d in SUBSTANCES.values() if d.casefold() in words]
    if not named or SUBSTANCES[code] in named:
        return []
    return [
        Problem(
            ErrorCode.NAME_MISMATCH,
            f"the code chosen is {SUBSTANCES[code]}, but the allergy names {named[0]}: choose "
            "the code of the substance named",
            "substance_code",
        )
    ]


def plan_problems(entry: MedicinePlanIn, episode: Episode) -> list[Problem]:
    """A plan is for a medicine the patient currently takes; an anticoagulant's is complete."""
    current = {
        medicine_key(m.name): m for m in selectors.held_for(episode).current_medicines() if m.active
    }
    medicine = current.get(medicine_key(entry.medicine))
    if medicine is None:
        return [
            Problem(
                ErrorCode.UNKNOWN_MEDICINE,
                f"{entry.medicine!r} is not among the patient's current medicines; name it as "
                "it is recorded",
                "medicine",
            )
        ]
    catalogue = get_catalogue()
    procedure = catalogue.procedures.get(episode.procedure)
    high = procedure is not None and procedure.bleeding_risk.level == "high"
    plan = entry.anticoagulation()
    timing = timing_for(
        catalogue.anticoagulant_timings if high else (),
        drug_class=medicine.drug_class,
        atc=medicine.atc or None,
        creatinine_clearance=entry.creatinine_clearance_ml_min,
    )
    return anticoagulation_problems(
        drug_class=medicine.drug_class,
        atc=medicine.atc or None,
        action=entry.action,
        days_before=entry.days_before,
        restart_days_after=entry.restart_days_after,
        note=entry.note,
        plan=plan,
        bridging_decided=entry.bridging is not None,
        timing=timing,
    )
