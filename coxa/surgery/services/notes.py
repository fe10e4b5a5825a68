"""The operation note: written as a draft, signed once, amended only by addenda.

Signing moves a scheduled episode to operated and makes the recovery plan from the
operation day in the note, so the plan always belongs to a signed operation.
"""

from django.db import transaction

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, InvalidInput, Problem
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.notes import NoteContext, OperationNoteIn, note_problems
from coxa.surgery.domain.plan import generate
from coxa.surgery.models import Addendum, Implant, OperationNote, RecoveryPlan

WRITABLE = (EpisodeState.SCHEDULED, EpisodeState.OPERATED)


def _context(episode: Episode) -> NoteContext:
    return NoteContext(
        side=episode.side,
        procedure=selectors.procedure_of(episode),
        listed_on=selectors.listed_on(episode),
        today=clock.today(),
        thresholds=selectors.thresholds(),
        templated_head_mm=selectors.templated_head_mm(episode),
        stocked_sizes_mm=selectors.stocked_sizes(),
    )


def _check(note: OperationNoteIn, episode: Episode, surgeon: User) -> None:
    problems = note_problems(note, _context(episode))
    if surgeon.role != Role.SURGEON:
        problems.append(Problem("not-a-surgeon", f"{surgeon.username} is not a surgeon", "surgeon"))
    if problems:
        raise InvalidInput.of(problems)


@transaction.atomic
def write_note(
    *, episode: Episode, note: OperationNoteIn, surgeon: User, by: User, via: audit.Via
) -> OperationNote:
    """Create or rewrite the draft note; refused once signed, or if anything is impossible."""
    require(by, Capability.WRITE_OPERATION_NOTES)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    if locked.state_enum not in WRITABLE:
        raise Conflict(
            "not-operable",
            f"an operation note is written for a scheduled or operated hip; this one is "
            f"{locked.state}",
            "operated_on",
        )
    stored = OperationNote.objects.filter(episode=locked).first()
    if stored is not None and stored.is_signed:
        raise Conflict("note-signed", "the note is signed: add an addendum instead")
    _check(note, locked, surgeon)
    now = clock.now()
    draft = stored or OperationNote(episode=locked)
    for field in (
        "operated_on",
        "started_at",
        "ended_at",
        "side",
        "procedure",
        "approach_reason",
        "drill_passes",
        "graft_used",
        "graft_product",
        "findings",
        "events",
    ):
        setattr(draft, field, getattr(note, field))
    draft.assistants = list(note.assistants)
    draft.anaesthetic = note.anaesthetic.value
    draft.approach = note.approach.value if note.approach else ""
    draft.surgeon = surgeon
    draft.written_by = by
    draft.written_at = now
    draft.save()
    draft.implants.all().delete()
    Implant.objects.bulk_create(
        Implant(
            note=draft,
            position=position,
            component=i.component.value,
            manufacturer=i.manufacturer,
            product=i.product,
            size_mm=i.size_mm,
            lot=i.lot,
            udi=i.udi,
            size_reason=i.size_reason,
        )
        for position, i in enumerate(note.implants)
    )
    audit.record(
        actor=by,
        action="operation-note.write",
        object_type="operation-note",
        object_id=draft.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation note (draft), {note.operated_on}",
        via=via,
    )
    return draft


@transaction.atomic
def sign_note(
    *, episode: Episode, by: User, via: audit.Via, offload_days: int | None = None
) -> OperationNote:
    """Sign the draft: it becomes immutable, the hip is operated and the plan is made.

    ``offload_days`` is the surgeon's choice within a phase range (core decompression).
    """
    require(by, Capability.WRITE_OPERATION_NOTES)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    note = OperationNote.objects.select_for_update().filter(episode=locked).first()
    if note is None:
        raise Conflict("no-note", "write the operation note before signing it")
    if note.is_signed:
        raise Conflict("note-signed", "the note is already signed")
    procedure = selectors.procedure_of(locked)
    choices = {}
    if offload_days is not None:
        ranged = [p for p in procedure.recovery.phases if p.end_day_min != p.end_day_max]
        if not ranged:
            raise InvalidInput(
                "no-choice", f"{procedure.title}'s phases have fixed lengths", "offload_days"
            )
        choices[ranged[0].code] = offload_days
    try:
        plan = generate(procedure, note.operated_on, phase_end_days=choices)
    except InvalidInput as error:
        raise InvalidInput.of(
            [Problem(p.code, p.message, "offload_days") for p in error.problems]
        ) from None
    now = clock.now()
    OperationNote.objects.filter(pk=note.pk).update(signed_at=now, signed_by=by)
    note.refresh_from_db()
    if locked.state_enum is EpisodeState.SCHEDULED:
        locked = pathways.move_episode(
            episode=locked, to=EpisodeState.OPERATED, reason="", by=by, via=via
        ).episode
    RecoveryPlan.objects.create(
        episode=locked,
        note=note,
        operation_on=plan.operation_on,
        phase_end_days=choices,
        appointment_days={},
        created_at=now,
    )
    audit.record(
        actor=by,
        action="operation-note.sign",
        object_type="operation-note",
        object_id=note.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation note signed; recovery plan from "
        f"{note.operated_on}",
        via=via,
    )
    return note


@transaction.atomic
def add_addendum(*, episode: Episode, text: str, by: User, via: audit.Via) -> Addendum:
    """A later correction or addition to a signed note; the note itself never changes."""
    require(by, Capability.WRITE_OPERATION_NOTES)
    note = OperationNote.objects.filter(episode=episode).first()
    if note is None or not note.is_signed:
        raise Conflict("not-signed", "addenda are added to a signed note; edit the draft instead")
    if not text.strip():
        raise InvalidInput("required", "write the addendum", "text")
    addendum = Addendum.objects.create(note=note, text=text.strip(), by=by, at=clock.now())
    audit.record(
        actor=by,
        action="operation-note.addendum",
        object_type="operation-note",
        object_id=note.public_id,
        patient_id=episode.patient.public_id,
        summary="Addendum to the operation note",
        via=via,
    )
    return addendum
