"""Enrolling hips for lifelong metal-on-metal surveillance (issue 15, ADR 0024).

A hip whose signed operation note is of a procedure followed for life (the catalogue's
``surveillance``) is enrolled from the note: its implant class, femoral head size and
operation day. Surgery may not call up into surveillance, so the nightly sweep enrols them
(``enrol_signed``), the worklist shows any signed since and not yet enrolled, and a nurse or
surgeon may enrol them at once from it. A hip operated before Coxa or at another hospital is
enrolled by hand with what is known; its episode is opened in follow-up.
"""

from django.db import IntegrityError, transaction

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, Problem
from coxa.pathways.models import Episode
from coxa.pathways.services.elsewhere import record_operated_elsewhere
from coxa.patients.models import Patient
from coxa.surgery.models import OperationNote
from coxa.surveillance.domain.inputs import EnrolIn
from coxa.surveillance.models import EnrolledImplant, Enrolment, EnrolmentStatus, Source
from coxa.surveillance.selectors import followed_procedures, signed_not_enrolled
from coxa.surveillance.services import programme

FEMORAL = "femoral"


def _blank(episode: Episode, **fields: object) -> Enrolment:
    table = get_catalogue().surveillance
    return Enrolment(
        episode=episode,
        status=EnrolmentStatus.ACTIVE,
        rule_code=table.default.code,
        rule_version=table.version,
        rule_checked=table.checked,
        interval_days=table.default.interval_days,
        needs_bloods=table.default.blood_metals,
        needs_imaging=table.default.imaging,
        refreshed_at=clock.now(),
        **fields,
    )


def _save(enrolment: Enrolment) -> Enrolment:
    programme.apply(enrolment, clock.today())
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise Conflict(
            ErrorCode.ENROLLED_ALREADY, "this hip is already enrolled for surveillance", "episode"
        ) from None
    return enrolment


def enrol_from_note(note: OperationNote, *, by: User | None, via: audit.Via) -> Enrolment:
    implant = followed_procedures()[note.procedure]
    femoral = next((i for i in note.implants.all() if i.component == FEMORAL), None)
    enrolment = _save(
        _blank(
            note.episode,
            source=Source.OPERATION_NOTE,
            implant=implant,
            head_mm=femoral.size_mm if femoral else None,
            operated_on=note.operated_on,
            enrolled_on=clock.today(),
            enrolled_by=by,
        )
    )
    audit.record(
        actor=by,
        action="surveillance.enrol",
        object_type="episode",
        object_id=note.episode.public_id,
        patient_id=note.episode.patient.public_id,
        summary=f"Enrolled for lifelong metal-on-metal surveillance from the signed note; "
        f"first check due {enrolment.next_due_on:%-d %b %Y}",
        via=via,
    )
    return enrolment


@audit.atomic()
def enrol_signed(*, by: User | None, via: audit.Via) -> int:
    """Enrol every hip signed and not yet enrolled; how many were."""
    if by is not None:
        require(by, Capability.RECORD_SURVEILLANCE)
    notes = list(signed_not_enrolled().prefetch_related("implants"))
    for note in notes:
        enrol_from_note(note, by=by, via=via)
    return len(notes)


@audit.atomic()
def enrol_episode(*, episode: Episode, by: User, via: audit.Via) -> Enrolment:
    """Enrol one hip from its signed note now (rather than at the nightly sweep)."""
    require(by, Capability.RECORD_SURVEILLANCE)
    note = OperationNote.objects.filter(episode=episode, signed_at__isnull=False).first()
    if note is None or note.procedure not in followed_procedures():
        raise Conflict(
            ErrorCode.NOT_ENROLLED,
            "only a hip with a signed note of a metal-on-metal procedure is enrolled from its "
            "note; enrol an implant from elsewhere from the patient's page",
            "episode",
        )
    return enrol_from_note(note, by=by, via=via)


@audit.atomic()
def enrol_by_hand(*, patient: Patient, entry: EnrolIn, by: User, via: audit.Via) -> Enrolment:
    """Enrol a hip operated before Coxa or elsewhere, with what is known of it."""
    require(by, Capability.RECORD_SURVEILLANCE)
    if Enrolment.objects.filter(
        episode__patient=patient, episode__side=entry.side, status=EnrolmentStatus.ACTIVE
    ).exists():
        raise Conflict(
            ErrorCode.ENROLLED_ALREADY,
            f"the {entry.side} hip is already under metal-on-metal surveillance",
            "side",
        )
    problems: list[Problem] = []
    today = clock.today()
    if entry.operated_on is not None and entry.operated_on > today:
        problems.append(
            Problem(
                ErrorCode.INVALID_VALUE, "the operation day cannot be in the future", "operated_on"
            )
        )
    if entry.operated_on is not None and entry.operated_on < patient.date_of_birth:
        problems.append(
            Problem(
                ErrorCode.BEFORE_BIRTH,
                "the operation day is before the date of birth",
                "operated_on",
            )
        )
    for index, implant in enumerate(entry.implants):
        if implant.component not in ("femoral", "acetabular", "head", "stem", "liner"):
            problems.append(
                Problem(
                    ErrorCode.INVALID_VALUE,
                    "component must be femoral, acetabular, head, stem or liner",
                    f"implants.{index}.component",
                )
            )
    if problems:
        raise InvalidInput.of(problems)
    # The procedure the hip's episode is opened under (catalogue: surveillance.recorded_as).
    episode = record_operated_elsewhere(
        patient=patient,
        side=entry.side,
        procedure=get_catalogue().surveillance.recorded_as[entry.implant],
        operated_on=entry.operated_on,
        where=entry.operated_where,
        by=by,
        via=via,
    )
    enrolment = _save(
        _blank(
            episode,
            source=Source.RECORDED_ELSEWHERE,
            implant=entry.implant,
            head_mm=entry.head_mm,
            operated_on=entry.operated_on,
            operated_where=entry.operated_where,
            enrolled_on=today,
            enrolled_by=by,
        )
    )
    EnrolledImplant.objects.bulk_create(
        EnrolledImplant(
            enrolment=enrolment,
            component=i.component,
            manufacturer=i.manufacturer,
            product=i.product,
            lot=i.lot,
        )
        for i in entry.implants
    )
    audit.record(
        actor=by,
        action="surveillance.enrol",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        summary=f"{entry.side.title()} hip enrolled by hand for lifelong metal-on-metal "
        f"surveillance ({entry.implant}); first check due {enrolment.next_due_on:%-d %b %Y}",
        via=via,
    )
    return enrolment
