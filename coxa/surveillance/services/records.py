"""Blood metal results and imaging studies, recorded and struck out (issue 15, ADR 0024).

Each is checked, converted, flagged and audited; one entered in error is struck out with a
reason.

A result needs its matrix and, for each metal given, a value and a unit; it is stored as
reported and in micrograms per litre. A serum or plasma result is stored but never converted
to whole blood nor compared with a whole-blood threshold: it is flagged so. Nothing dated
after the hip's revision or the patient's death is recorded on it.
"""

import datetime as dt
import uuid

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.outcomes.services.endpoints import refused_after_end
from coxa.pathways.models import Episode
from coxa.surveillance.domain.imaging import HAUPTFLEISCH, XRAY_FINDINGS, Modality, Seen
from coxa.surveillance.domain.inputs import ImagingIn, MetalIonsIn
from coxa.surveillance.domain.results import SERUM_TUBES, Levels, Matrix, flags_for
from coxa.surveillance.models import Enrolment, EnrolmentStatus, ImagingStudy, MetalIonResult
from coxa.surveillance.selectors import levels_of, signed_not_enrolled
from coxa.surveillance.services import programme
from coxa.surveillance.services.enrolment import enrol_from_note
from coxa.terminology.units import METALS, metal_in_ug_per_l


def enrolment_for(episode: Episode, *, by: User, via: audit.Via, locked: bool = True) -> Enrolment:
    """The hip's enrolment, locked; a hip signed and not yet enrolled is enrolled now."""
    found = Enrolment.objects.filter(episode=episode)
    if locked:
        found = found.select_for_update()
    enrolment = found.select_related("episode__patient").first()
    if enrolment is None:
        note = signed_not_enrolled().filter(episode=episode).first()
        if note is None:
            raise Conflict(
                ErrorCode.NOT_ENROLLED,
                "this hip is not under metal-on-metal surveillance: enrol it first",
                "episode",
            )
        enrolment = enrol_from_note(note, by=by, via=via)
    if enrolment.status == EnrolmentStatus.ENDED:
        raise Conflict(
            ErrorCode.SURVEILLANCE_ENDED,
            f"surveillance of this hip ended on {enrolment.ended_on:%-d %b %Y} "
            f"({enrolment.get_ended_reason_display().lower()})",
            "episode",
        )
    return enrolment


def _day_problems(enrolment: Enrolment, day: dt.date, field: str) -> list[Problem]:
    if day > clock.today():
        return [Problem(ErrorCode.INVALID_VALUE, "the day cannot be in the future", field)]
    operated = enrolment.operated_on
    if operated is not None and day < operated:
        return [
            Problem(
                ErrorCode.INVALID_VALUE,
                f"the day is before the operation ({operated:%-d %b %Y})",
                field,
            )
        ]
    return refused_after_end(enrolment.episode, day, field)


@audit.atomic()
def record_metal_ions(
    *, episode: Episode, entry: MetalIonsIn, by: User, via: audit.Via
) -> MetalIonResult:
    require(by, Capability.RECORD_SURVEILLANCE)
    enrolment = enrolment_for(episode, by=by, via=via)
    problems = _day_problems(enrolment, entry.sampled_on, "sampled_on")
    converted: dict[str, float | None] = {}
    for metal in METALS:
        level = getattr(entry, metal)
        if level is None:
            converted[metal] = None
            continue
        value, problem = metal_in_ug_per_l(metal, level.value, level.unit, metal)
        if problem is not None:
            problems.append(problem)
        converted[metal] = value
    if entry.matrix == Matrix.WHOLE_BLOOD and entry.tube in SERUM_TUBES:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "a serum tube gives a serum result, never whole blood: record it with matrix "
                "serum (it is kept, not compared with the whole-blood threshold)",
                "matrix",
            )
        )
    if entry.cobalt is None and entry.chromium is None:
        problems.append(
            Problem(ErrorCode.REQUIRED, "give the cobalt or the chromium level (or both)", "cobalt")
        )
    if problems:
        raise InvalidInput.of(problems)
    table = get_catalogue().surveillance
    levels = Levels(entry.sampled_on, entry.matrix, converted["cobalt"], converted["chromium"])
    earlier = [levels_of(r) for r in MetalIonResult.objects.filter(enrolment=enrolment)]
    flags = flags_for(levels, earlier, table.blood_metals, table.version)
    result = MetalIonResult.objects.create(
        enrolment=enrolment,
        sampled_on=entry.sampled_on,
        matrix=entry.matrix.value,
        laboratory=entry.laboratory,
        tube=entry.tube,
        cobalt_value=entry.cobalt.value if entry.cobalt else None,
        cobalt_unit=entry.cobalt.unit if entry.cobalt else "",
        cobalt_ug_per_l=converted["cobalt"],
        chromium_value=entry.chromium.value if entry.chromium else None,
        chromium_unit=entry.chromium.unit if entry.chromium else "",
        chromium_ug_per_l=converted["chromium"],
        flags=[f.as_json() for f in flags],
        recorded_by=by,
        recorded_at=clock.now(),
    )
    programme.refresh(enrolment, by=by, via=via)
    shown = ", ".join(f"{m} {converted[m]:g} µg/L" for m in METALS if converted[m] is not None)
    audit.record(
        actor=by,
        action="surveillance.metal-ions",
        object_type="metal-ion-result",
        object_id=result.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Blood metal levels ({entry.matrix.label.lower()}, sampled "
        f"{entry.sampled_on:%-d %b %Y}): {shown}"
        + (f"; flagged: {' '.join(f.text for f in flags)}" if flags else ""),
        via=via,
    )
    return result


def _imaging_problems(entry: ImagingIn) -> list[Problem]:
    problems: list[Problem] = []
    soft = entry.modality is not Modality.XRAY
    if soft and entry.xray:
        problems.append(
            Problem(ErrorCode.INVALID_VALUE, "X-ray findings belong to an X-ray", "xray")
        )
    if not soft:
        soft_fields = ("fluid_collection", "solid_mass", "muscle_involvement", "bone_involvement")
        problems += [
            Problem(
                ErrorCode.INVALID_VALUE,
                "an X-ray does not show soft tissue: use MARS MRI or ultrasound",
                field,
            )
            for field in soft_fields
            if getattr(entry, field) != Seen.NOT_ASSESSED
        ]
        problems += [
            Problem(
                ErrorCode.INVALID_VALUE,
                f"X-ray finding must be one of: {', '.join(XRAY_FINDINGS)}",
                f"xray.{code}",
            )
            for code in entry.xray
            if code not in XRAY_FINDINGS
        ]
    if entry.classification_system == "hauptfleisch" and entry.classification not in HAUPTFLEISCH:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE, "the Hauptfleisch type must be 1, 2 or 3", "classification"
            )
        )
    lesion = Seen.PRESENT in (entry.fluid_collection, entry.solid_mass)
    if entry.classification and not lesion:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "a pseudotumour class needs a fluid collection or a solid mass recorded present",
                "classification",
            )
        )
    if entry.classification and not entry.classification_system:
        problems.append(
            Problem(ErrorCode.REQUIRED, "name the classification system", "classification_system")
        )
    if entry.very_large and entry.fluid_collection != Seen.PRESENT:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE,
                "only a fluid collection present can be very large",
                "very_large",
            )
        )
    return problems


@audit.atomic()
def record_imaging(*, episode: Episode, entry: ImagingIn, by: User, via: audit.Via) -> ImagingStudy:
    require(by, Capability.RECORD_SURVEILLANCE)
    enrolment = enrolment_for(episode, by=by, via=via)
    problems = _day_problems(enrolment, entry.performed_on, "performed_on") + _imaging_problems(
        entry
    )
    if problems:
        raise InvalidInput.of(problems)
    soft = entry.modality is not Modality.XRAY
    study = ImagingStudy.objects.create(
        enrolment=enrolment,
        performed_on=entry.performed_on,
        modality=entry.modality.value,
        fluid_collection=entry.fluid_collection.value if soft else "",
        solid_mass=entry.solid_mass.value if soft else "",
        muscle_involvement=entry.muscle_involvement.value if soft else "",
        bone_involvement=entry.bone_involvement.value if soft else "",
        very_large=entry.very_large,
        size_mm=entry.size_mm,
        classification_system=entry.classification_system,
        classification=entry.classification,
        xray={code: seen.value for code, seen in entry.xray.items()},
        report=entry.report,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    programme.refresh(enrolment, by=by, via=via)
    audit.record(
        actor=by,
        action="surveillance.imaging",
        object_type="imaging-study",
        object_id=study.public_id,
        patient_id=episode.patient.public_id,
        summary=f"{entry.modality.label} on {entry.performed_on:%-d %b %Y} recorded",
        via=via,
    )
    return study


MODELS: dict[str, type[MetalIonResult] | type[ImagingStudy]] = {
    "result": MetalIonResult,
    "imaging": ImagingStudy,
}


@audit.atomic()
def strike_out(
    *, kind: str, record_id: uuid.UUID, episode: Episode, reason: str, by: User, via: audit.Via
) -> None:
    """Strike out a result or a study entered in error: kept, marked, counted nowhere."""
    require(by, Capability.RECORD_SURVEILLANCE)
    reason = storable(reason, field="reason", max_length=REASON_MAX).strip()
    if not meaningful(reason):
        raise InvalidInput(ErrorCode.REASON_REQUIRED, "say in words why it is struck out", "reason")
    model = MODELS[kind]
    row = (
        model.every.select_for_update()
        .filter(public_id=record_id, enrolment__episode=episode)
        .first()
    )
    if row is None:
        raise NotFound(ErrorCode.NOT_FOUND, f"no such {kind} on this hip", "id")
    if row.struck_out_at is not None:
        raise Conflict(ErrorCode.STRUCK_OUT, f"this {kind} was struck out already", "id")
    row.struck_out_at, row.struck_out_by, row.struck_out_reason = clock.now(), by, reason
    row.save(update_fields=["struck_out_at", "struck_out_by", "struck_out_reason", "updated_at"])
    programme.refresh(row.enrolment, by=by, via=via)
    audit.record(
        actor=by,
        action=f"surveillance.{kind}.strike-out",
        object_type=kind,
        object_id=row.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Surveillance {kind} struck out",
        reason=reason,
        via=via,
    )
