"""Candidacy rules for Birmingham Hip Resurfacing (thresholds and sources in the catalogue)."""

from typing import Any

from coxa.decisions.domain.allergies import Allergy
from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import Context, Kind, Outcome, rule
from coxa.terminology.codes import IMMUNOSUPPRESSANTS

OUT = Outcome
METALS = ("cobalt", "chromium", "nickel")  # FDA: known metal sensitivity
Result = tuple[Outcome, str, tuple[str, ...], dict[str, Any]]


@rule("bhr.sex", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def sex(facts: Facts, context: Context) -> Result:
    cited = ("mhra-mda-2015-024", "tga-2015-00493")
    used = {"sex": facts.sex}
    if facts.sex == "female":
        return OUT.CONTRAINDICATED, "BHR is not implanted in women.", cited, used
    if facts.sex == "male":
        return OUT.MET, "Male: the restriction on women does not apply.", cited, used
    return OUT.UNKNOWN, "Sex is not recorded as male or female: confirm before BHR.", cited, used


@rule("bhr.head-size", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def head_size(facts: Facts, context: Context) -> Result:
    smallest = context.value("bhr-head-contraindicated-at-or-below")
    downsize_only = context.value("bhr-head-downsizing-only")
    downsize_from = context.value("bhr-head-downsizing-from")
    cited = context.sources("bhr-head-contraindicated-at-or-below", "bhr-head-downsizing-only")
    size = facts.templated_head_size_mm
    used = {"templated_head_size_mm": size}
    if size is None:
        return OUT.UNKNOWN, "Templated femoral head size is not recorded.", cited, used
    if size <= smallest:
        return (
            OUT.CONTRAINDICATED,
            f"A {size:g} mm head is {smallest:g} mm or smaller: BHR is not used.",
            cited,
            used,
        )
    if size < downsize_from:
        return (
            OUT.CONTRAINDICATED,
            f"A templated {size:g} mm head is too small: {downsize_only:g} mm is allowed only "
            f"after downsizing in theatre from a templated {downsize_from:g} mm.",
            cited,
            used,
        )
    return OUT.MET, f"Templated head {size:g} mm is within the size allowed.", cited, used


@rule("bhr.diagnosis", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def diagnosis(facts: Facts, context: Context) -> Result:
    used = {"diagnosis": facts.diagnosis}
    if facts.diagnosis is None:
        return OUT.UNKNOWN, "Diagnosis is not recorded.", ("bhr-page",), used
    if facts.diagnosis == "osteoarthritis":
        return OUT.MET, "Non-inflammatory arthritis: the indication for BHR.", ("bhr-page",), used
    if facts.diagnosis in ("avascular-necrosis", "dysplasia"):
        return (
            OUT.CAUTION,
            f"{facts.diagnosis.replace('-', ' ').capitalize()} raises the risk "
            "of early revision after BHR.",
            ("tga-2015-00080",),
            used,
        )
    if facts.diagnosis == "inflammatory-arthritis":
        return (
            OUT.CAUTION,
            "Inflammatory arthritis is outside the indication for BHR.",
            ("bhr-page",),
            used,
        )
    return (
        OUT.CAUTION,
        "This diagnosis is outside the indication for BHR: confirm it.",
        ("bhr-page",),
        used,
    )


@rule("bhr.bone-stock", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def bone_stock(facts: Facts, context: Context) -> Result:
    used = {"acetabular_bone_stock": facts.acetabular_bone_stock}
    if facts.acetabular_bone_stock is None:
        return OUT.UNKNOWN, "Acetabular bone stock has not been assessed.", ("bhr-page",), used
    if facts.acetabular_bone_stock == "inadequate":
        return (
            OUT.CONTRAINDICATED,
            "The socket lacks the bone to hold a resurfacing cup.",
            ("bhr-page",),
            used,
        )
    return OUT.MET, "Acetabular bone stock is adequate.", ("bhr-page",), used


def _metals(allergy: Allergy) -> set[str]:
    """The metals an allergy names, by its code or in its words (the words always count)."""
    words = allergy.substance.lower()
    return {m for m in METALS if allergy.means == m or m in words}


@rule("bhr.metal-sensitivity", version=4, kind=Kind.CANDIDACY, procedures=("bhr",))
def metal_sensitivity(facts: Facts, context: Context) -> Result:
    """Version 4: an unconfirmed allergy is read as one to confirm, never as present.

    A sensitivity to cobalt, chromium or nickel rules out a metal-on-metal hip (FDA). It is
    known from the history's yes-or-no question or from an active allergy coded as one of
    them; an allergy typed in words ("Ni", "metal (jewellery)") can add it (naming a metal)
    but never clear it, so while one is not coded the answer is unknown. An allergy recorded
    as refuted (tested and not allergic) does not count. A metal allergy recorded as inactive
    or as unconfirmed (another system's "low certainty") is unknown until confirmed (a contact
    allergy to a metal rarely goes away; only a test that refutes it clears it): it neither
    rules BHR out nor lets it pass, as the rules treat any fact still to be confirmed.
    """
    allergies = facts.allergies or ()
    used = {
        "metal_sensitivity": facts.metal_sensitivity,
        "allergies": None
        if facts.allergies is None
        else tuple(f"{a.substance} ({a.means or 'not coded'}, {a.status})" for a in allergies),
    }
    cited = ("fda-mom-surgeons",)
    named = sorted({m for a in allergies if a.current for m in _metals(a)})
    if facts.metal_sensitivity is True or named:
        which = ", ".join(named) or "cobalt, chromium or nickel"
        return (
            OUT.CONTRAINDICATED,
            f"Known sensitivity to {which}: no metal-on-metal hip.",
            cited,
            used,
        )
    to_confirm = [f"{a.substance}: {a.status}" for a in allergies if _to_confirm(a) and _metals(a)]
    if to_confirm:
        return (
            OUT.UNKNOWN,
            f"A metal allergy recorded as not current or not confirmed "
            f"({'; '.join(to_confirm)}): confirm it; only a test that refutes it clears it.",
            cited,
            used,
        )
    if facts.metal_sensitivity is None:
        return (
            OUT.UNKNOWN,
            "Whether there is a sensitivity to cobalt, chromium or nickel is not recorded "
            "(asked as yes or no).",
            cited,
            used,
        )
    return _unreadable(allergies, cited, used) or (
        OUT.MET,
        "No sensitivity to cobalt, chromium or nickel.",
        cited,
        used,
    )


def _to_confirm(allergy: Allergy) -> bool:
    return allergy.status in ("inactive", "unconfirmed")


def _unreadable(allergies: tuple[Allergy, ...], cited: tuple[str, ...], used: Any) -> Result | None:
    """Unknown while an allergy that may be present names no metal Coxa can read."""
    possible = [a for a in allergies if a.current or a.status == "unconfirmed"]
    unnamed = [a.substance for a in possible if a.means == "metal"]
    if unnamed:
        return (
            OUT.UNKNOWN,
            f"Allergy to a metal not named ({', '.join(unnamed)}): find out which metal.",
            cited,
            used,
        )
    uncoded = [a.substance for a in possible if a.means is None]
    if uncoded:
        return (
            OUT.UNKNOWN,
            f"Allergy not coded: {', '.join(uncoded)}. Choose its substance from the list, "
            "so that a metal allergy cannot be missed.",
            cited,
            used,
        )
    return None


@rule("bhr.renal-function", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def renal_function(facts: Facts, context: Context) -> Result:
    hard = context.value("egfr-contraindicated-below")
    soft = context.value("egfr-caution-below")
    cited = context.sources("egfr-contraindicated-below")
    used = {"egfr": facts.egfr}
    if facts.egfr is None:
        return OUT.UNKNOWN, "Kidney function (eGFR) is not recorded.", cited, used
    if facts.egfr < hard:
        return (
            OUT.CONTRAINDICATED,
            f"eGFR {facts.egfr:g}: moderate to severe kidney impairment "
            "rules out a metal-on-metal hip.",
            cited,
            used,
        )
    if facts.egfr < soft:
        return (
            OUT.CAUTION,
            f"eGFR {facts.egfr:g}: mildly to moderately reduced kidney function; "
            "review before a metal-on-metal hip.",
            cited,
            used,
        )
    return (
        OUT.MET,
        f"eGFR {facts.egfr:g}: kidney function allows a metal-on-metal hip.",
        cited,
        used,
    )


@rule("bhr.immune-suppression", version=2, kind=Kind.CANDIDACY, procedures=("bhr",))
def immune_suppression(facts: Facts, context: Context) -> Result:
    """Version 2: read by code; a medicine not coded makes the rule unknown.

    Immunosuppression (conventional or biologic) rules out a metal-on-metal hip and high
    doses of corticosteroids do (FDA). A class given in words for a medicine not coded can
    add it but never clear it.
    """
    cited = ("fda-mom-surgeons",)
    medicines = facts.medications
    used = {
        "medications": None
        if medicines is None
        else tuple(
            f"{m.name} ({m.drug_class}{', ' + m.atc if m.atc else ', not coded'})"
            + (f", {m.dose}" if m.dose else "")
            for m in medicines
        )
    }
    if medicines is None:
        return OUT.UNKNOWN, "Current medicines are not recorded.", cited, used
    suppressing = [m.name for m in medicines if m.drug_class in IMMUNOSUPPRESSANTS]
    if suppressing:
        return (
            OUT.CONTRAINDICATED,
            f"Immunosuppressed ({', '.join(suppressing)}): no metal-on-metal hip.",
            cited,
            used,
        )
    uncoded = [m.name for m in medicines if not m.coded]
    if uncoded:
        return (
            OUT.UNKNOWN,
            f"Medicine not coded: {', '.join(uncoded)}. Choose it from the list, so that an "
            "immunosuppressant cannot be missed.",
            cited,
            used,
        )
    steroids = [m for m in medicines if m.drug_class == "corticosteroid"]
    if steroids:
        doses = "; ".join(f"{m.name} {m.dose or '(dose not recorded)'}" for m in steroids)
        return (
            OUT.CAUTION,
            f"Corticosteroids ({doses}): high doses rule out a metal-on-metal hip; check the dose.",
            cited,
            used,
        )
    return OUT.MET, "No immunosuppressing medicines recorded.", cited, used


@rule("bhr.age", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def age(facts: Facts, context: Context) -> Result:
    limit = context.value("bhr-age-caution-from")
    cited = context.sources("bhr-age-caution-from")
    used = {"age_years": facts.age_years}
    if facts.age_years is None:
        return OUT.UNKNOWN, "Age is not recorded.", cited, used
    if facts.age_years >= limit:
        return (
            OUT.CAUTION,
            f"Aged {facts.age_years}: men of {limit:g} or more have a higher risk "
            "of early revision.",
            cited,
            used,
        )
    return OUT.MET, f"Aged {facts.age_years}: younger than {limit:g}.", cited, used


@rule("bhr.activity", version=1, gating=False, kind=Kind.CANDIDACY, procedures=("bhr",))
def activity(facts: Facts, context: Context) -> Result:
    # BHR suits active patients (source page a); no source gives a UCLA cut-off, so the score
    # is shown for the surgeon and decides nothing.
    cited = ("bhr-page", "ucla-activity")
    used = {"ucla": facts.ucla}
    if facts.ucla is None:
        return OUT.UNKNOWN, "Activity level (UCLA score) is not recorded.", cited, used
    return (
        OUT.MET,
        f"UCLA activity score {facts.ucla} of 10 (for the surgeon's judgement).",
        cited,
        used,
    )
