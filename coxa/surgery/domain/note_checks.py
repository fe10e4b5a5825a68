"""Which operation notes are impossible or incomplete, each problem with its field. Pure.

A note is checked against its episode (side, procedure, the patient's sex for BHR, the day
it was listed, the day it was booked for), the catalogue (anaesthetic options, approach, the
BHR head-size restrictions, the sizes the service stocks and which cup goes with which head)
and itself (times in order; the implants or drill passes its procedure needs). Every
problem is reported at once, each naming its field.

A restricted head size is used only with a coded reason from the catalogue (free text never
overrides the restriction) and, before signing, a second clinician's confirmation.
"""

from coxa.catalogue.schema import Procedure
from coxa.core.errors import ErrorCode, Problem
from coxa.core.text import meaningful
from coxa.surgery.domain.notes import (
    REPLACEMENT_COMPONENTS,
    Component,
    ImplantIn,
    NoteContext,
    OperationNoteIn,
)
from coxa.surgery.domain.prophylaxis import prophylaxis_problems


def _sizes(note: OperationNoteIn, context: NoteContext) -> list[Problem]:
    """Fixed components (a BHR's femoral and acetabular): one of each, each sized within stock.

    Which components comes from the catalogue (``<component>-component`` note fields). With
    ``downsizing``, the head-size restrictions of MHRA MDA/2015/024 and the TGA (46 mm or
    smaller: no; 48 mm only when downsized from a templated 50 mm) need a recorded reason to
    be overridden.
    """
    problems: list[Problem] = []
    fixed = [Component(c) for c in context.procedure.fixed_components]
    kinds = [i.component for i in note.implants]
    problems += [
        Problem(
            ErrorCode.COMPONENTS,
            f"a resurfacing needs exactly one {needed.value} component "
            f"({kinds.count(needed)} given)",
            "implants",
        )
        for needed in fixed
        if kinds.count(needed) != 1
    ]
    for index, implant in enumerate(note.implants):
        field = f"implants.{index}.size_mm"
        if implant.component not in fixed:
            problems.append(
                Problem(
                    ErrorCode.COMPONENT,
                    f"a resurfacing has {' and '.join(c.value for c in fixed)} components, "
                    f"not {implant.component}",
                    f"implants.{index}.component",
                )
            )
            continue
        if implant.size_mm is None:
            problems.append(Problem(ErrorCode.SIZE_REQUIRED, "give the size in mm", field))
            continue
        stocked = context.stocked_sizes_mm[implant.component.value]
        low, high = stocked
        if not low <= implant.size_mm <= high:
            problems.append(
                Problem(
                    ErrorCode.SIZE_OUT_OF_RANGE,
                    f"the {implant.component.value} component of {implant.size_mm:g} mm is not in "
                    f"the implant's range ({low:g} to {high:g} mm)",
                    field,
                )
            )
            continue
        if implant.component is Component.FEMORAL and context.procedure.records("downsizing"):
            problems += _head_size(implant, index, context)
    problems += _pairing(note, context)
    return problems


def _restriction(size: float, context: NoteContext) -> tuple[str, str]:
    """Which restriction (MHRA MDA/2015/024) a head size falls under, and why.

    ("", "") if none. A 48 mm head is allowed only downsized from a templated 50 mm, exactly.
    """
    value = context.thresholds
    if size <= value["bhr-head-contraindicated-at-or-below"]:
        return "contraindicated", (
            f"femoral heads of {value['bhr-head-contraindicated-at-or-below']:g} mm or smaller "
            "are contraindicated (MHRA MDA/2015/024)"
        )
    if size <= value["bhr-head-downsizing-only"] and (
        context.templated_head_mm != value["bhr-head-downsizing-from"]
    ):
        templated = (
            "not recorded"
            if context.templated_head_mm is None
            else f"{context.templated_head_mm:g} mm"
        )
        return "downsizing-only", (
            f"a {size:g} mm head is used only when downsized in theatre from a templated "
            f"{value['bhr-head-downsizing-from']:g} mm (MHRA MDA/2015/024); the templated "
            f"size is {templated}"
        )
    return "", ""


def _head_size(implant: ImplantIn, index: int, context: NoteContext) -> list[Problem]:
    """A restricted head needs a coded reason; an unrestricted one must not carry one."""
    assert implant.size_mm is not None  # noqa: S101 - checked by the caller
    field = f"implants.{index}.size_reason_code"
    kind, why = _restriction(implant.size_mm, context)
    reasons = [c for c, kinds in (context.override_reasons or {}).items() if kind in kinds]
    if not kind:
        if implant.size_reason_code:
            return [
                Problem(ErrorCode.NO_OVERRIDE, "this head size is not restricted: no reason", field)
            ]
        return []
    if not reasons:
        return [Problem(ErrorCode.HEAD_SIZE_RESTRICTED, f"{why}; no reason can override it", field)]
    if implant.size_reason_code not in reasons:
        return [
            Problem(
                ErrorCode.HEAD_SIZE_RESTRICTED,
                f"{why}; to proceed choose one of the reasons the service allows "
                f"({', '.join(reasons)}) and have a second surgeon or anaesthetist confirm it",
                field,
            )
        ]
    return []


def _pairing(note: OperationNoteIn, context: NoteContext) -> list[Problem]:
    """The cup must be one the sizing chart pairs with the head."""
    chart = context.cups_for_head_mm
    sizes = {i.component: (index, i.size_mm) for index, i in enumerate(note.implants)}
    head, cup = sizes.get(Component.FEMORAL), sizes.get(Component.ACETABULAR)
    if chart is None or head is None or cup is None or head[1] is None or cup[1] is None:
        return []
    allowed = chart.get(head[1])
    if allowed is None:
        return [
            Problem(
                ErrorCode.SIZE_NOT_IN_CHART,
                f"no {head[1]:g} mm head in the implant's sizing chart "
                f"({', '.join(f'{h:g}' for h in sorted(chart))} mm)",
                f"implants.{head[0]}.size_mm",
            )
        ]
    if cup[1] not in allowed:
        return [
            Problem(
                ErrorCode.PAIRING,
                f"a {head[1]:g} mm head goes with a {' or '.join(f'{c:g}' for c in allowed)} "
                f"mm cup, not {cup[1]:g} mm",
                f"implants.{cup[0]}.size_mm",
            )
        ]
    return []


def _core_decompression(note: OperationNoteIn, procedure: Procedure) -> list[Problem]:
    """Drill passes, and the bone-graft substitute when the catalogue's note records it."""
    problems: list[Problem] = []
    if note.drill_passes is None:
        problems.append(
            Problem(ErrorCode.REQUIRED, "give the number of drill passes", "drill_passes")
        )
    elif note.drill_passes < 1:
        problems.append(
            Problem(
                ErrorCode.DRILL_PASSES,
                f"drill passes must be 1 or more, not {note.drill_passes}",
                "drill_passes",
            )
        )
    if procedure.records("bone-graft-substitute"):
        problems += _graft(note)
    if note.implants and not procedure.records_implants:
        problems.append(
            Problem(ErrorCode.NO_IMPLANTS, "core decompression leaves no implant", "implants")
        )
    return problems


def _graft(note: OperationNoteIn) -> list[Problem]:
    problems: list[Problem] = []
    if note.graft_used is None:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "say whether the cavity was filled with bone-graft substitute",
                "graft_used",
            )
        )
    elif note.graft_used and not note.graft_product:
        problems.append(
            Problem(ErrorCode.REQUIRED, "name the bone-graft substitute used", "graft_product")
        )
    elif not note.graft_used and note.graft_product:
        problems.append(
            Problem(
                ErrorCode.GRAFT_NOT_USED,
                "a product is named but the cavity was not filled",
                "graft_product",
            )
        )
    return problems


def note_problems(note: OperationNoteIn, context: NoteContext) -> list[Problem]:
    """Everything impossible or incomplete about the note, each with its field.

    What a procedure's note must hold comes from its catalogue entry
    (``operation_note_fields``): fixed components, free implant rows, or drill passes.
    """
    problems = _against_episode(note, context) + _approach(note, context.procedure)
    procedure = context.procedure
    problems += _prophylaxis(note, procedure)
    if procedure.fixed_components:
        problems += _sizes(note, context)
    elif procedure.records("drill-passes"):
        problems += _core_decompression(note, procedure)
    else:
        if not note.implants:
            problems.append(Problem(ErrorCode.REQUIRED, "record the implants used", "implants"))
        problems += [
            Problem(
                ErrorCode.COMPONENT,
                f"the {i.component.value} component belongs to a resurfacing; a hip replacement "
                f"has {', '.join(c.value for c in REPLACEMENT_COMPONENTS)}",
                f"implants.{index}.component",
            )
            for index, i in enumerate(note.implants)
            if i.component not in REPLACEMENT_COMPONENTS
        ]
        if note.implants:
            problems += _replacement_set(note)
        if note.drill_passes is not None or note.graft_used is not None:
            problems.append(
                Problem(
                    ErrorCode.NOT_CORE_DECOMPRESSION,
                    "drill passes and graft belong to core decompression",
                    "drill_passes",
                )
            )
    return problems


# A hip replacement records one stem, one head and one acetabular shell (or cup); a liner
# only with a modular shell. Each part once.
_REQUIRED_PARTS = (Component.STEM, Component.HEAD, Component.SHELL)


def _replacement_set(note: OperationNoteIn) -> list[Problem]:
    kinds = [i.component for i in note.implants]
    problems = [
        Problem(
            ErrorCode.COMPONENTS,
            f"a hip replacement records its {part.value} (none given)",
            "implants",
        )
        for part in _REQUIRED_PARTS
        if part not in kinds
    ]
    problems += [
        Problem(
            ErrorCode.COMPONENTS,
            f"{kinds.count(part)} {part.value} components: record each part once",
            "implants",
        )
        for part in REPLACEMENT_COMPONENTS
        if kinds.count(part) > 1
    ]
    return problems


def _against_episode(note: OperationNoteIn, context: NoteContext) -> list[Problem]:
    procedure = context.procedure
    problems: list[Problem] = []
    if note.side != context.side:
        problems.append(
            Problem(
                ErrorCode.SIDE_MISMATCH,
                f"this episode is for the {context.side} hip, not the {note.side}",
                "side",
            )
        )
    if note.procedure != procedure.code:
        problems.append(
            Problem(
                ErrorCode.PROCEDURE_MISMATCH,
                f"this episode is for {procedure.title}; a different operation needs its own "
                "episode (convert the episode first)",
                "procedure",
            )
        )
    if context.listed_on is not None and note.operated_on < context.listed_on:
        problems.append(
            Problem(
                ErrorCode.BEFORE_LISTING,
                f"the operation date {note.operated_on} is before the hip was listed "
                f"({context.listed_on})",
                "operated_on",
            )
        )
    if note.operated_on > context.today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE,
                "the operation date cannot be later than today",
                "operated_on",
            )
        )
    elif (
        note.operated_on == context.today
        and context.now is not None
        and note.ended_at > context.now
    ):
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE,
                "the operation cannot have ended later than now",
                "ended_at",
            )
        )
    if (
        context.booked_on is not None
        and note.operated_on != context.booked_on
        and not meaningful(note.date_change_reason)
    ):
        problems.append(
            Problem(
                ErrorCode.DATE_NOT_BOOKED,
                f"the operation was booked for {context.booked_on}; to record "
                f"{note.operated_on} instead, say why (the booking, the plan and the letter "
                "then move to that day)",
                "date_change_reason",
            )
        )
    if procedure.only_for_men and context.sex != "male":
        problems.append(
            Problem(
                ErrorCode.SEX,
                "BHR is implanted only in men (MHRA MDA/2015/024); the patient is recorded as "
                f"{context.sex or 'sex not known'}",
                "procedure",
            )
        )
    if note.ended_at <= note.started_at:
        problems.append(
            Problem(ErrorCode.TIMES, "the operation must end after it starts", "ended_at")
        )
    if note.anaesthetic.value not in procedure.anaesthetic_options:
        problems.append(
            Problem(
                ErrorCode.ANAESTHETIC,
                f"{procedure.title} is done under "
                f"{' or '.join(procedure.anaesthetic_options)} anaesthesia",
                "anaesthetic",
            )
        )
    return problems


def _approach(note: OperationNoteIn, procedure: Procedure) -> list[Problem]:
    problems: list[Problem] = []
    expected = procedure.approach
    if expected != "as-recorded":
        if note.approach is None:
            problems.append(Problem(ErrorCode.REQUIRED, "give the approach", "approach"))
        elif note.approach.value != expected and not note.approach_reason:
            problems.append(
                Problem(
                    ErrorCode.APPROACH,
                    f"{procedure.title} uses the {expected} approach; record the reason for "
                    f"a {note.approach.value} approach",
                    "approach_reason",
                )
            )
    return problems


def _prophylaxis(note: OperationNoteIn, procedure: Procedure) -> list[Problem]:
    """The VTE prophylaxis prescribed, when the procedure's note records it."""
    if not procedure.records("vte-prophylaxis"):
        return []
    if note.vte_prophylaxis is None:
        return [
            Problem(
                ErrorCode.REQUIRED,
                "record the VTE prophylaxis prescribed (or none, with the reason)",
                "vte_prophylaxis",
            )
        ]
    return prophylaxis_problems(note.vte_prophylaxis, procedure.vte_prophylaxis)
