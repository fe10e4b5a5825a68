"""Candidacy rules for Birmingham Hip Resurfacing (thresholds and sources in the catalogue)."""

from typing import Any

from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import Context, Kind, Outcome, rule

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


@rule("bhr.metal-sensitivity", version=2, kind=Kind.CANDIDACY, procedures=("bhr",))
def metal_sensitivity(facts: Facts, context: Context) -> Result:
    """Version 2: only a recorded "no" (asked as yes or no) clears it.

    Free-text allergies can add a contraindication ("nickel") but never clear one: a
    misspelt "nickle" or "Ni" must not read as "no known sensitivity".
    """
    used = {"metal_sensitivity": facts.metal_sensitivity, "allergies": facts.allergies}
    cited = ("fda-mom-surgeons",)
    named = sorted({m for m in METALS for a in facts.allergies or () if m in a})
    if facts.metal_sensitivity is True or named:
        which = ", ".join(named) or "cobalt, chromium or nickel"
        return (
            OUT.CONTRAINDICATED,
            f"Known sensitivity to {which}: no metal-on-metal hip.",
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
    return OUT.MET, "No sensitivity to cobalt, chromium or nickel.", cited, used


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


@rule("bhr.immune-suppression", version=1, kind=Kind.CANDIDACY, procedures=("bhr",))
def immune_suppression(facts: Facts, context: Context) -> Result:
    cited = ("fda-mom-surgeons",)
    used = {
        "medications": None
        if facts.medications is None
        else tuple(f"{m.name} ({m.drug_class})" for m in facts.medications)
    }
    if facts.medications is None:
        return OUT.UNKNOWN, "Current medicines are not recorded.", cited, used
    classes = {m.drug_class for m in facts.medications}
    if "immunosuppressant" in classes:
        return (OUT.CONTRAINDICATED, "Immunosuppressed: no metal-on-metal hip.", cited, used)
    if "corticosteroid" in classes:
        return (
            OUT.CAUTION,
            "Corticosteroids: high doses rule out a metal-on-metal hip; check the dose.",
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
