"""Readiness rules: the gates before any of the procedures (DESIGN J4)."""

from typing import Any

from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import Context, Kind, Outcome, rule
from coxa.terminology.codes import ANTICOAGULANTS

OUT = Outcome
Result = tuple[Outcome, str, tuple[str, ...], dict[str, Any]]


@rule("readiness.bmi", version=1, kind=Kind.READINESS)
def bmi(facts: Facts, context: Context) -> Result:
    limit = context.value("bmi-postpone")
    cited = context.sources("bmi-postpone")
    used = {"bmi": facts.bmi}
    if facts.bmi is None:
        return OUT.UNKNOWN, "BMI is not recorded.", cited, used
    if facts.bmi >= limit:
        return (
            OUT.OPTIMISE,
            f"BMI {facts.bmi:g}: {limit:g} or more postpones surgery until it is lower.",
            cited,
            used,
        )
    return OUT.MET, f"BMI {facts.bmi:g} is below {limit:g}.", cited, used


@rule("readiness.blood-pressure", version=1, kind=Kind.READINESS)
def blood_pressure(facts: Facts, context: Context) -> Result:
    systolic_limit = context.value("systolic-proceed-below")
    diastolic_limit = context.value("diastolic-proceed-below")
    cited = context.sources("systolic-proceed-below")
    used = {"systolic_bp": facts.systolic_bp, "diastolic_bp": facts.diastolic_bp}
    if facts.systolic_bp is None or facts.diastolic_bp is None:
        return OUT.UNKNOWN, "Blood pressure (systolic and diastolic) is not recorded.", cited, used
    reading = f"{facts.systolic_bp:g}/{facts.diastolic_bp:g} mmHg"
    if facts.systolic_bp >= systolic_limit or facts.diastolic_bp >= diastolic_limit:
        return (
            OUT.OPTIMISE,
            f"Blood pressure {reading}: proceed only below "
            f"{systolic_limit:g}/{diastolic_limit:g}; refer to the GP.",
            cited,
            used,
        )
    return (
        OUT.MET,
        f"Blood pressure {reading} is below {systolic_limit:g}/{diastolic_limit:g}.",
        cited,
        used,
    )


def _anaemia_threshold(sex: str | None) -> str:
    if sex == "male":
        return "haemoglobin-male-anaemia-below"
    if sex == "female":
        return "haemoglobin-female-anaemia-below"
    # Sex unknown: the stricter threshold, never the lower one.
    return "haemoglobin-any-sex-anaemia-below"


@rule("readiness.anaemia", version=1, kind=Kind.READINESS)
def anaemia(facts: Facts, context: Context) -> Result:
    key = _anaemia_threshold(facts.sex)
    limit = context.value(key)
    cited = context.sources(key)
    used = {"haemoglobin_g_l": facts.haemoglobin_g_l, "sex": facts.sex}
    if facts.haemoglobin_g_l is None:
        return OUT.UNKNOWN, "Haemoglobin is not recorded.", cited, used
    if facts.haemoglobin_g_l < limit:
        return (
            OUT.OPTIMISE,
            f"Haemoglobin {facts.haemoglobin_g_l:g} g/L is below {limit:g} g/L: "
            "anaemia to investigate and treat.",
            cited,
            used,
        )
    return OUT.MET, f"Haemoglobin {facts.haemoglobin_g_l:g} g/L: no anaemia.", cited, used


@rule("readiness.hba1c", version=1, kind=Kind.READINESS)
def hba1c(facts: Facts, context: Context) -> Result:
    limit = context.value("hba1c-proceed-below")
    cited = context.sources("hba1c-proceed-below")
    used = {"hba1c_mmol_mol": facts.hba1c_mmol_mol, "diabetes": facts.diabetes}
    if facts.hba1c_mmol_mol is not None:
        if facts.hba1c_mmol_mol >= limit:
            return (
                OUT.OPTIMISE,
                f"HbA1c {facts.hba1c_mmol_mol:g} mmol/mol: {limit:g} or more; "
                "optimise diabetes before surgery.",
                cited,
                used,
            )
        return OUT.MET, f"HbA1c {facts.hba1c_mmol_mol:g} mmol/mol is below {limit:g}.", cited, used
    if facts.diabetes is False:
        return OUT.NOT_APPLICABLE, "No diabetes: HbA1c not needed.", cited, used
    if facts.diabetes is True:
        return OUT.UNKNOWN, "Diabetic, and HbA1c is not recorded.", cited, used
    return OUT.UNKNOWN, "Neither diabetes status nor HbA1c is recorded.", cited, used


@rule("readiness.smoking", version=1, kind=Kind.READINESS)
def smoking(facts: Facts, context: Context) -> Result:
    weeks = context.value("smoking-stop-weeks")
    cited = context.cite(("bhr-page", "cd-page"), "smoking-stop-weeks")
    used = {"smoking": facts.smoking}
    if facts.smoking is None:
        return OUT.UNKNOWN, "Smoking status is not recorded.", cited, used
    if facts.smoking == "current":
        return (
            OUT.OPTIMISE,
            f"Smokes: stop, at least {weeks:g} weeks before surgery.",
            cited,
            used,
        )
    return OUT.MET, f"Smoking: {facts.smoking}.", cited, used


@rule("readiness.medicines", version=2, kind=Kind.READINESS)
def medicines(facts: Facts, context: Context) -> Result:
    """Medicines need their plan before surgery.

    Version 2: every medicine a clinician must decide about (an antiplatelet the policy may
    not stop, or any "review" advice) holds readiness until the plan is recorded; the stops
    come from the one medicine function the panel and the letter also use.
    """
    cited = ("bhr-page", "accp-2022")
    meds = facts.medications
    used = {
        "medications": None if meds is None else tuple(f"{m.name} ({m.drug_class})" for m in meds),
        "coronary_stent_or_recent_acs": facts.coronary_stent_or_recent_acs,
    }
    if meds is None:
        return OUT.UNKNOWN, "Current medicines are not recorded.", cited, used
    undecided = [s for s in context.medicine_stops(facts) if s.needs_decision]
    if undecided:
        named = "; ".join(
            f"{s.medication}" + (f" ({s.why_review})" if s.why_review else "") for s in undecided
        )
        return (
            OUT.OPTIMISE,
            f"A clinician must decide whether and when to stop: {named}.",
            cited,
            used,
        )
    if not meds:
        return OUT.MET, "No current medicines.", cited, used
    return OUT.MET, "Medicines recorded; what to do with each is in the actions.", cited, used


NEEDS_HAEMATOLOGY = ("sickle-cell-disease", "thalassaemia-major", "other")


@rule("readiness.haemoglobinopathy", version=1, kind=Kind.READINESS)
def haemoglobinopathy(facts: Facts, context: Context) -> Result:
    """Sickle cell disease (or another haemoglobinopathy): a haematologist plans first.

    BSH 2017: transfusion around the operation is indicated for sickle genotypes in high-risk
    surgery and for HbSS and HbSC in medium-risk surgery; the Association of Anaesthetists
    (2021): planned surgery with specialist advice. A carrier (trait) needs no plan. For
    thalassaemia major and other haemoglobinopathies the referral is the service's policy.
    """
    cited = ("bsh-scd-transfusion-2017", "aagbi-scd-2021")
    used = {
        "haemoglobinopathy": facts.haemoglobinopathy,
        "haematology_plan": facts.haematology_plan,
    }
    found = facts.haemoglobinopathy
    if found is None:
        return (
            OUT.UNKNOWN,
            "Whether there is sickle cell disease or another haemoglobinopathy is not recorded.",
            cited,
            used,
        )
    if found not in NEEDS_HAEMATOLOGY:
        return OUT.MET, f"Haemoglobinopathy: {found.replace('-', ' ')}.", cited, used
    if facts.haematology_plan:
        return (
            OUT.MET,
            f"{found.replace('-', ' ').capitalize()}: the haematologist's plan is recorded.",
            cited,
            used,
        )
    return (
        OUT.OPTIMISE,
        f"{found.replace('-', ' ').capitalize()}: a haematologist plans transfusion and care "
        "around the operation before it is booked; a surgeon or anaesthetist records the plan "
        "once it is received.",
        cited,
        used,
    )


@rule("readiness.heart-valve", version=1, kind=Kind.READINESS)
def heart_valve(facts: Facts, context: Context) -> Result:
    """A mechanical heart valve: its anticoagulant must be on the list, and not a DOAC.

    A mechanical valve is a reason for an anticoagulant and for a clinician's decision on
    bridging (ACCP 2022). A patient with a mechanical valve on a DOAC or a heparin alone must
    be reviewed (National Patient Safety Alert NatPSA/2021/006: DOACs are not for mechanical
    valves).
    """
    cited = ("accp-2022", "natpsa-2021-006")
    meds = facts.medications
    used = {
        "heart_valve": facts.heart_valve,
        "anticoagulants": None
        if meds is None
        else tuple(f"{m.name} ({m.drug_class})" for m in meds if m.drug_class in ANTICOAGULANTS),
    }
    if facts.heart_valve is None:
        return OUT.UNKNOWN, "Whether there is a replaced heart valve is not recorded.", cited, used
    if facts.heart_valve != "mechanical":
        return OUT.MET, f"Heart valve: {facts.heart_valve}.", cited, used
    if meds is None:
        return (
            OUT.UNKNOWN,
            "Mechanical heart valve; current medicines are not recorded.",
            cited,
            used,
        )
    agents = {m.drug_class for m in meds if m.drug_class in ANTICOAGULANTS}
    if not agents:
        return (
            OUT.OPTIMISE,
            "A mechanical heart valve is recorded but no anticoagulant is among the current "
            "medicines: check the list, then record the anticoagulation plan.",
            cited,
            used,
        )
    if "doac" in agents or agents == {"heparin"}:
        return (
            OUT.OPTIMISE,
            "A mechanical heart valve on a DOAC or a heparin alone: review the anticoagulant "
            "with the patient's cardiology or anticoagulation team before the operation.",
            cited,
            used,
        )
    return (
        OUT.MET,
        "Mechanical heart valve: the anticoagulant's plan decides bridging.",
        cited,
        used,
    )


@rule("readiness.pregnancy", version=1, kind=Kind.READINESS)
def pregnancy(facts: Facts, context: Context) -> Result:
    """An operation that uses X-rays: ask a woman of childbearing age about pregnancy.

    IR(ME)R: before a medical exposure, enquire whether a woman of childbearing age is or
    may be pregnant (the ages are the service's, in the catalogue). A pregnancy, possible or
    known, holds readiness for the surgeon to decide; so does not knowing. Theatre still asks
    again on the day, under its own IR(ME)R procedures.
    """
    cited = context.sources("childbearing-age-from", "childbearing-age-to")
    used: dict[str, Any] = {
        "sex": facts.sex,
        "age_years": facts.age_years,
        "pregnancy": facts.pregnancy,
        "applies": False,  # is the question asked of this patient, for this operation?
    }
    procedure = context.catalogue.procedures.get(facts.procedure)
    if procedure is None or not procedure.intraoperative_xray.used:
        return OUT.MET, "The operation uses no X-rays in theatre.", cited, used
    low, high = context.value("childbearing-age-from"), context.value("childbearing-age-to")
    if facts.sex == "male":
        return OUT.MET, "Male: the pregnancy question does not apply.", cited, used
    if facts.age_years is not None and not low <= facts.age_years <= high:
        return OUT.MET, f"Aged {facts.age_years}: outside {low:g} to {high:g}.", cited, used
    used["applies"] = True
    if facts.pregnancy is None:
        return (
            OUT.UNKNOWN,
            "The operation uses X-rays: whether she is or may be pregnant is not recorded.",
            cited,
            used,
        )
    if facts.pregnancy == "not-pregnant":
        return OUT.MET, "Not pregnant.", cited, used
    return (
        OUT.OPTIMISE,
        f"{facts.pregnancy.replace('-', ' ').capitalize()}, and the operation uses X-rays: "
        "postpone it, or record the new answer once a test shows she is not pregnant.",
        cited,
        used,
    )
