"""The operation note: written as a draft, signed once, amended only by addenda.

Signing is the step that makes a hip "operated". It signs one named draft (its fingerprint
must match the stored draft, so what was on screen is what is signed); it runs the
readiness gate again for the operation day; a restricted implant size needs a second
clinician's confirmation of that very draft; an operation on another day than the booked one
re-dates the booking, the episode and the plan to the note's day, with the note's reason.
The recovery plan is made then, from the protocol in today's catalogue, and frozen with it.
"""

from django.utils import timezone

from coxa.accounts.domain import Capability, Role
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment import selectors as assessment
from coxa.assessment.services import readiness
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, Problem
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.core.words import short_date
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState, Step
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.consent import covers_restricted_size
from coxa.surgery.domain.note_checks import note_problems
from coxa.surgery.domain.notes import (
    ImplantIn,
    NoteContext,
    OperationNoteIn,
    draft_hash,
    overrides,
)
from coxa.surgery.domain.plan import RecoveryProtocol, generate
from coxa.surgery.models import (
    Implant,
    OperationNote,
    OverrideConfirmation,
    RecoveryPlan,
)
from coxa.surgery.services.appointments import store_appointments

WRITABLE = (EpisodeState.SCHEDULED,)
NOTE_FIELDS = (
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
    "date_change_reason",
)


def _context(episode: Episode) -> NoteContext:
    booking = selectors.booking_of(episode)
    return NoteContext(
        side=episode.side,
        procedure=selectors.procedure_of(episode),
        listed_on=selectors.listed_on(episode),
        today=clock.today(),
        now=timezone.localtime(clock.now()).time(),
        thresholds=selectors.thresholds(),
        templated_head_mm=selectors.templated_head_mm(episode),
        stocked_sizes_mm=selectors.stocked_sizes(),
        sex=episode.patient.sex,
        booked_on=booking.operation_on if booking else None,
        cups_for_head_mm=selectors.cups_for_head(),
        override_reasons=selectors.override_scopes(),
    )


def _check(note: OperationNoteIn, episode: Episode, surgeon: User) -> None:
    problems = note_problems(note, _context(episode))
    if surgeon.role != Role.SURGEON:
        problems.append(
            Problem(ErrorCode.NOT_A_SURGEON, f"{surgeon.username} is not a surgeon", "surgeon")
        )
    if problems:
        raise InvalidInput.of(problems)


def stored_input(note: OperationNote) -> OperationNoteIn:
    """The stored draft as the input that wrote it: the form and the fingerprint use it."""
    return OperationNoteIn.model_validate(
        {
            **{field: getattr(note, field) for field in NOTE_FIELDS},
            "assistants": list(note.assistants),
            "anaesthetic": note.anaesthetic,
            "approach": note.approach or None,
            "vte_prophylaxis": note.vte_prophylaxis,
            "implants": [
                {f: getattr(i, f) for f in ImplantIn.model_fields}
                for i in note.implants.order_by("position")
            ],
        }
    )


@audit.atomic()
def write_note(
    *, episode: Episode, note: OperationNoteIn, surgeon: User, by: User, via: audit.Via
) -> OperationNote:
    """Create or rewrite the draft note; refused once signed, or if anything is impossible."""
    require(by, Capability.WRITE_OPERATION_NOTES)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    if locked.state_enum not in WRITABLE:
        raise Conflict(
            ErrorCode.NOT_OPERABLE,
            f"an operation note is written for a booked (scheduled) hip; this one is "
            f"{locked.state}",
            "operated_on",
        )
    stored = OperationNote.objects.filter(episode=locked).first()
    if stored is not None and stored.is_signed:
        raise Conflict(ErrorCode.NOTE_SIGNED, "the note is signed: add an addendum instead")
    _check(note, locked, surgeon)
    now = clock.now()
    draft = stored or OperationNote(episode=locked)
    for field in NOTE_FIELDS:
        setattr(draft, field, getattr(note, field))
    draft.assistants = list(note.assistants)
    draft.anaesthetic = note.anaesthetic.value
    draft.approach = note.approach.value if note.approach else ""
    draft.vte_prophylaxis = (
        note.vte_prophylaxis.model_dump(mode="json") if note.vte_prophylaxis else None
    )
    draft.surgeon = surgeon
    draft.written_by = by
    draft.written_at = now
    draft.draft_hash = draft_hash(note, surgeon.username)
    draft.save()
    draft.implants.all().delete()
    Implant.objects.bulk_create(
        Implant(note=draft, position=position, **i.model_dump(mode="json"))
        for position, i in enumerate(note.implants)
    )
    audit.record(
        actor=by,
        action="operation-note.write",
        object_type="operation-note",
        object_id=draft.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation note (draft), {short_date(note.operated_on)}",
        via=via,
        details={"draft": draft.draft_hash},
    )
    return draft


def _draft(episode: Episode, expected: str) -> OperationNote:
    note = OperationNote.objects.select_for_update().filter(episode=episode).first()
    if note is None:
        raise Conflict(ErrorCode.NO_NOTE, "write the operation note before signing it")
    if note.is_signed:
        raise Conflict(ErrorCode.NOTE_SIGNED, "the note is already signed")
    if not expected or expected != note.draft_hash:
        raise Conflict(
            ErrorCode.DRAFT_CHANGED,
            "the draft has changed since it was shown: reload it, check it, then sign",
            "draft",
        )
    return note


def _confirmed(note: OperationNote, signer: User) -> bool:
    return (
        OverrideConfirmation.objects.filter(note=note, draft_hash=note.draft_hash)
        .exclude(by_id__in=(note.surgeon_id, note.written_by_id, signer.pk))
        .exists()
    )


@audit.atomic()
def confirm_override(*, episode: Episode, draft: str, by: User, via: audit.Via) -> None:
    """A second clinician confirms the restricted implant sizes of one draft.

    The patient's current consent must record the restricted head size as discussed; the
    confirmation links to it.
    """
    require(by, Capability.CONFIRM_IMPLANT_OVERRIDES)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    note = _draft(locked, draft)
    rows = overrides(stored_input(note))
    if not rows:
        raise Conflict(ErrorCode.NO_OVERRIDE, "this draft uses no restricted implant size", "draft")
    if by.pk in (note.surgeon_id, note.written_by_id):
        raise Conflict(
            ErrorCode.SAME_CLINICIAN,
            "the confirmation must come from a second clinician, not the operating surgeon "
            "or the note's writer",
            "by",
        )
    consent = selectors.current_consent(locked)
    if consent is None or not covers_restricted_size(consent.risks):
        raise Conflict(
            ErrorCode.OVERRIDE_NOT_CONSENTED,
            "the patient's current consent does not record a restricted head size as "
            "discussed: a surgeon records a consent that does before the size is confirmed",
            "consent",
        )
    OverrideConfirmation.objects.create(
        note=note, draft_hash=note.draft_hash, by=by, at=clock.now(), consent=consent
    )
    implants = list(note.implants.order_by("position"))
    audit.record(
        actor=by,
        action="operation-note.confirm-override",
        object_type="operation-note",
        object_id=note.public_id,
        patient_id=locked.patient.public_id,
        summary="Restricted implant size confirmed: "
        + "; ".join(
            f"{implants[i].component} {implants[i].size_mm:g} mm ({implants[i].size_reason_code})"
            for i in rows
        ),
        via=via,
        details={"draft": note.draft_hash, "consent": str(consent.public_id)},
    )


def _plan_choices(
    episode: Episode, offload_days: int | None, offload_reason: str
) -> tuple[dict[str, int], dict[str, str]]:
    """The surgeon's required choice of a ranged phase's length (core decompression)."""
    procedure = selectors.procedure_of(episode)
    ranged = [p for p in procedure.recovery.phases if p.end_day_min != p.end_day_max]
    if not ranged:
        if offload_days is not None:
            raise InvalidInput(
                ErrorCode.NO_CHOICE,
                f"{procedure.title}'s phases have fixed lengths",
                "offload_days",
            )
        return {}, {}
    phase = ranged[0]
    if offload_days is None:
        raise InvalidInput(
            ErrorCode.REQUIRED,
            f"choose how long: {phase.title} ends between day {phase.end_day_min} and day "
            f"{phase.end_day_max} after the operation",
            "offload_days",
        )
    if offload_days > phase.end_day_max:
        if not meaningful(offload_reason):
            raise InvalidInput(
                ErrorCode.REASON_REQUIRED,
                f"{offload_days} days is longer than the protocol's {phase.end_day_max}: say why",
                "offload_reason",
            )
        return {phase.code: offload_days}, {phase.code: offload_reason.strip()}
    return {phase.code: offload_days}, {}


def _redate(locked: Episode, note: OperationNote, by: User, via: audit.Via) -> None:
    """Move the booking and the episode to the day the note records."""
    booking = selectors.booking_of(locked)
    if booking is None or booking.operation_on == note.operated_on:
        return
    before = booking.operation_on
    booking.operation_on = note.operated_on
    booking.save(update_fields=["operation_on"])
    pathways.set_operation_date(
        episode=locked,
        operation_on=note.operated_on,
        by=by,
        via=via,
        reason=f"Operated on another day than booked ({before}): {note.date_change_reason}",
        step=Step.SIGNING,
    )


@audit.atomic()
def sign_note(
    *,
    episode: Episode,
    by: User,
    via: audit.Via,
    draft: str,
    offload_days: int | None = None,
    offload_reason: str = "",
) -> OperationNote:
    """Sign the named draft: it becomes immutable, the hip is operated and the plan is made.

    ``draft`` is the fingerprint of the draft the signer saw; ``offload_days`` the surgeon's
    required choice within a phase range (core decompression), longer with ``offload_reason``.
    """
    require(by, Capability.WRITE_OPERATION_NOTES)
    storable(offload_reason, field="offload_reason", max_length=REASON_MAX)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    note = _draft(locked, draft)
    if locked.state_enum is not EpisodeState.SCHEDULED:
        raise Conflict(ErrorCode.NOT_OPERABLE, f"the hip is {locked.state}, not booked", "episode")
    written = stored_input(note)
    problems = note_problems(written, _context(locked))
    gate = readiness.gate_for(locked, operation_on=note.operated_on)
    if assessment.vte_admission_on(locked, note.operated_on) is None:
        problems.append(
            Problem(
                ErrorCode.VTE_ADMISSION_MISSING,
                "reassess the VTE and bleeding risk on admission (on the operation day or the "
                "day before) before signing: NICE NG89 and its quality standard",
                None,
            )
        )
    given = written.vte_prophylaxis
    if (
        assessment.vte_admission_outweighs(locked, note.operated_on) is False
        and given is not None
        and given.choice != "none"
    ):
        problems.append(
            Problem(
                ErrorCode.VTE_PROPHYLAXIS_CONTRADICTED,
                "the admission reassessment found that the bleeding risk outweighs the VTE "
                "risk: prescribe none (with the reason) or record a new reassessment",
                "vte_prophylaxis.choice",
            )
        )
    problems += [Problem(p.code.error, p.text, None) for p in gate.problems]
    if overrides(written) and not _confirmed(note, by):
        problems.append(
            Problem(
                ErrorCode.OVERRIDE_UNCONFIRMED,
                "a restricted implant size needs a second surgeon or anaesthetist to confirm "
                "it: save the draft, have them confirm it on this page, then sign",
                "implants",
            )
        )
    try:
        choices, extended = _plan_choices(locked, offload_days, offload_reason)
    except InvalidInput as error:  # reported with the rest, all at once
        problems += error.problems
        choices, extended = {}, {}
    if problems:
        raise InvalidInput.of(problems)
    procedure = selectors.procedure_of(locked)
    protocol = RecoveryProtocol.of(procedure)
    try:
        plan = generate(
            protocol,
            note.operated_on,
            phase_end_days=choices,
            extended=extended,
            calendar=selectors.working_days().after(note.operated_on),
        )
    except InvalidInput as error:
        raise InvalidInput.of(
            [Problem(p.code, p.message, "offload_days") for p in error.problems]
        ) from None
    _redate(locked, note, by, via)
    now = clock.now()
    OperationNote.objects.filter(pk=note.pk).update(signed_at=now, signed_by=by)
    note.refresh_from_db()
    locked = pathways.move_episode(
        episode=locked,
        to=EpisodeState.OPERATED,
        reason=f"Operation note signed ({short_date(note.operated_on)}).",
        by=by,
        via=via,
        step=Step.SIGNING,
    ).episode
    catalogue = get_catalogue()
    stored = RecoveryPlan.objects.create(
        episode=locked,
        note=note,
        operation_on=plan.operation_on,
        phase_end_days=choices,
        appointment_days={},
        extended=extended,
        protocol=protocol.as_json(),
        catalogue_version=catalogue.version,
        catalogue_hash=catalogue.content_hash,
        issued={name: day.isoformat() for name, day in plan.dates().items()},
        created_at=now,
        working_days=plan.calendar.as_json() if plan.calendar else {},
    )
    store_appointments(stored)
    audit.record(
        actor=by,
        action="operation-note.sign",
        object_type="operation-note",
        object_id=note.public_id,
        patient_id=locked.patient.public_id,
        summary=f"{locked.side.title()} hip operation note signed; recovery plan from "
        f"{short_date(note.operated_on)}",
        via=via,
        details={"draft": note.draft_hash, "catalogue_version": catalogue.version, **choices},
    )
    return note
