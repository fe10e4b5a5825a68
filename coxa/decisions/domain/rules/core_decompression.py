"""Candidacy rules for core decompression: only avascular necrosis, only before collapse."""

from typing import Any

from coxa.decisions.domain.document import Facts
from coxa.decisions.domain.findings import Context, Kind, Outcome, rule

OUT = Outcome
Result = tuple[Outcome, str, tuple[str, ...], dict[str, Any]]


@rule("cd.diagnosis", version=1, kind=Kind.CANDIDACY, procedures=("core-decompression",))
def diagnosis(facts: Facts, context: Context) -> Result:
    used = {"diagnosis": facts.diagnosis}
    if facts.diagnosis is None:
        return OUT.UNKNOWN, "Diagnosis is not recorded.", ("cd-page",), used
    if facts.diagnosis == "avascular-necrosis":
        return OUT.MET, "Avascular necrosis of the femoral head.", ("cd-page",), used
    return (
        OUT.CONTRAINDICATED,
        "Core decompression treats avascular necrosis only.",
        ("cd-page",),
        used,
    )


@rule("cd.collapse", version=4, kind=Kind.CANDIDACY, procedures=("core-decompression",))
def collapse(facts: Facts, context: Context) -> Result:
    """Suitable only when both the stage and the imaging say the head has not collapsed.

    Version 2: a pre-collapse stage alone is no longer enough; the imaging finding must say
    "no collapse" too, so that losing either fact can never make the hip look suitable.
    Version 3: a stage and an imaging finding that disagree (ARCO IIIB with "no collapse", or
    a pre-collapse stage with collapse seen) are a conflict to resolve, not a verdict: the
    record is wrong somewhere, so neither suitability nor the move to hip replacement follows.
    Version 4: an earlier, still valid study that showed collapse is a conflict too when the
    newest says "no collapse": collapse does not reverse.
    """
    cited = ("cd-page", "arco-2019", "ficat-arlet", "steinberg-1995", "aetna-cpb-0753")
    stage = facts.stage
    used = {"stage": stage.label if stage else None, "head_collapse": facts.head_collapse}
    if (
        stage is not None
        and facts.head_collapse is not None
        and (stage.collapsed != facts.head_collapse)
    ):
        seen = "collapse" if facts.head_collapse else "no collapse"
        means = "collapse" if stage.collapsed else "no collapse"
        return (
            OUT.UNKNOWN,
            f"Conflict: {stage.label} means {means}, but the imaging records {seen}. "
            "Correct the stage or the imaging finding before deciding.",
            cited,
            used,
        )
    if facts.head_collapse is False and facts.collapse_on_earlier_imaging:
        return (
            OUT.UNKNOWN,
            "Conflict: an earlier study showed the head collapsed, the newest shows no "
            "collapse. Collapse does not reverse: resolve the imaging before deciding.",
            cited,
            used | {"collapse_on_earlier_imaging": True},
        )
    if facts.head_collapse is True or (stage is not None and stage.collapsed):
        why = stage.label if stage and stage.collapsed else "collapse on imaging"
        return (
            OUT.CONTRAINDICATED,
            f"The femoral head has collapsed ({why}): core decompression "
            "no longer helps; hip replacement is the option.",
            cited,
            used,
        )
    if stage is None:
        return OUT.UNKNOWN, "The AVN stage is not recorded.", cited, used
    if facts.head_collapse is None:
        return (
            OUT.UNKNOWN,
            f"{stage.label} is before collapse, but whether the head has "
            "collapsed is not recorded from imaging.",
            cited,
            used,
        )
    return OUT.MET, f"Before collapse ({stage.label}; no collapse on imaging).", cited, used


@rule(
    "cd.lesion-size",
    version=2,
    gating=False,
    kind=Kind.CANDIDACY,
    procedures=("core-decompression",),
)
def lesion_size(facts: Facts, context: Context) -> Result:
    low = context.value("kerboul-low-risk-at-or-below")
    high = context.value("kerboul-high-risk-from")
    cited = context.sources("kerboul-low-risk-at-or-below", "kerboul-high-risk-from")
    angle = facts.kerboul_angle_deg
    used = {"kerboul_angle_deg": angle}
    if angle is None:
        # Version 2: unknown is never normal. A large lesion nearly always collapses, so an
        # unmeasured one is a risk a surgeon must weigh (or measure).
        return (
            OUT.CAUTION,
            "Lesion size (Kerboul combined necrotic angle, from MRI) is not recorded: the "
            "risk of collapse cannot be judged.",
            cited,
            used,
        )
    if angle <= low:
        return OUT.MET, f"Kerboul angle {angle:g} degrees: low risk of collapse.", cited, used
    if angle < high:
        return (
            OUT.CAUTION,
            f"Kerboul angle {angle:g} degrees: moderate risk; about half of such hips collapsed.",
            cited,
            used,
        )
    return (
        OUT.CAUTION,
        f"Kerboul angle {angle:g} degrees: high risk; in the source series every "
        "such hip collapsed.",
        cited,
        used,
    )
