"""Discharge, adjusting the recovery plan, and physiotherapy reviews."""

import datetime as dt

from django.utils import timezone

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.core.words import short_date
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState, Step
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.plan import generate
from coxa.surgery.domain.recovery import (
    DESTINATION_WORDS,
    DischargeIn,
    PhysioReviewIn,
    discharge_problems,
    next_phase,
    plan_conflict,
    review_problems,
)
from coxa.surgery.models import Discharge, OperationNote, PhysioReview, PlanChange, RecoveryPlan
from coxa.surgery.services.appointments import store_appointments


def _signed_note(episode: Episode) -> OperationNote:
    note = OperationNote.objects.filter(episode=episode, signed_at__isnull=False).first()
    if note is None:
        raise Conflict(ErrorCode.NOT_OPERATED, "this needs a signed operation note first")
    return note


@audit.atomic()
def record_discharge(
    *, episode: Episode, entry: DischargeIn, by: User, via: audit.Via
) -> Discharge:
    """Discharge after a signed operation; the hip moves on to recovering."""
    require(by, Capability.RECORD_DISCHARGE)
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    note = _signed_note(locked)
    if Discharge.objects.filter(episode=locked).exists():
        raise Conflict(ErrorCode.DISCHARGED, "this hip's discharge is already recorded")
    procedure = selectors.procedure_of(locked)
    operated_at = timezone.make_aware(dt.datetime.combine(note.operated_on, note.ended_at))
    problems = discharge_problems(
        entry,
        operated_at=operated_at,
        today=clock.today(),
        destinations=procedure.discharge.destinations,
        criteria=[c.code for c in procedure.discharge.criteria],
    )
    if problems:
        raise InvalidInput.of(problems)
    discharge = Discharge.objects.create(
        episode=locked,
        out_of_bed_at=entry.out_of_bed_at,
        discharged_on=entry.discharged_on,
        destination=entry.destination,
        destination_reason=entry.destination_reason,
        criteria=entry.criteria,
        unmet_reason=entry.unmet_reason,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    going = DESTINATION_WORDS.get(entry.destination, "another destination")
    if locked.state_enum is EpisodeState.OPERATED:
        pathways.move_episode(
            episode=locked,
            to=EpisodeState.RECOVERING,
            reason=f"Discharged {short_date(entry.discharged_on)} to {going}.",
            by=by,
            via=via,
            step=Step.DISCHARGE,
        )
    audit.record(
        actor=by,
        action="discharge.record",
        object_type="discharge",
        object_id=discharge.public_id,
        patient_id=locked.patient.public_id,
        summary=f"Discharged {short_date(entry.discharged_on)} to {going}",
        via=via,
    )
    return discharge


@audit.atomic()
def adjust_plan(
    *,
    episode: Episode,
    phase_end_days: dict[str, int],
    appointment_days: dict[str, int],
    reason: str,
    by: User,
    via: audit.Via,
) -> RecoveryPlan:
    """Move phase ends or appointments of a signed operation's plan, with a reason.

    Appointments are the team's to move; how long weight bearing is limited is the
    surgeon's (clinical-facts 2.5: a surgeon-set field), so moving a phase's end is too.
    """
    require(by, Capability.ADJUST_RECOVERY_PLANS)
    if phase_end_days:
        require(by, Capability.SET_WEIGHT_BEARING)
    if not meaningful(reason):
        raise InvalidInput(
            ErrorCode.REASON_REQUIRED, "say why the plan changes (a sentence)", "reason"
        )
    storable(reason, field="reason", max_length=REASON_MAX)
    stored = RecoveryPlan.objects.select_for_update().filter(episode=episode).first()
    if stored is None:
        raise Conflict(
            ErrorCode.NO_PLAN, "the recovery plan is made when the operation note is signed"
        )
    protocol = selectors.protocol_of(stored)  # frozen at signing, never today's catalogue
    before = selectors.signed_plan(stored)
    phases = {**stored.phase_end_days, **phase_end_days}
    appointments = {**stored.appointment_days, **appointment_days}
    # A phase may end after the protocol's range here: the change carries its reason.
    ranges = {p.code: p.end_day_max for p in protocol.recovery.phases}
    extended = {
        **stored.extended,
        **{
            code: reason.strip()
            for code, day in phase_end_days.items()
            if code in ranges and day > ranges[code]
        },
    }
    after = generate(
        protocol,
        stored.operation_on,
        phase_end_days=phases,
        appointment_days=appointments,
        extended=extended,
        calendar=before.calendar,  # the plan's own: a moved appointment keeps to working days
    )
    old, new = before.dates(), after.dates()
    changes = [(name, old[name], new[name]) for name in old if old[name] != new.get(name)]
    if not changes:
        raise InvalidInput(ErrorCode.NO_CHANGE, "nothing in the plan would change", "phases")
    stored.phase_end_days, stored.appointment_days = phases, appointments
    stored.extended = {k: v for k, v in extended.items() if phases.get(k, 0) > ranges.get(k, 0)}
    stored.save(update_fields=["phase_end_days", "appointment_days", "extended"])
    now = clock.now()
    PlanChange.objects.bulk_create(
        PlanChange(
            plan=stored, what=name[:60], before=a, after=b, reason=reason.strip(), by=by, at=now
        )
        for name, a, b in changes
    )
    store_appointments(stored)
    audit.record(
        actor=by,
        action="recovery-plan.adjust",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary="; ".join(f"{name}: {short_date(a)} → {short_date(b)}" for name, a, b in changes),
        reason=reason.strip(),
        via=via,
    )
    return stored


@audit.atomic()
def record_review(
    *, episode: Episode, entry: PhysioReviewIn, by: User, via: audit.Via
) -> PhysioReview:
    """A physiotherapy review; moving on to the next phase is part of it when chosen."""
    require(by, Capability.RECORD_PHYSIOTHERAPY)
    note = _signed_note(episode)
    procedure = selectors.procedure_of(episode)
    codes = [p.code for p in procedure.recovery.phases]
    reached = list(
        PhysioReview.objects.filter(episode=episode)
        .exclude(progressed_to="")
        .values_list("progressed_to", flat=True)
    )
    following = next_phase(codes, reached)
    problems = review_problems(
        entry, operated_on=note.operated_on, today=clock.today(), next_code=following
    )
    if problems:
        raise InvalidInput.of(problems)
    found = selectors.plan_of(episode)
    phase = (
        next((p for p in found[0].phases if p.starts_on <= entry.reviewed_on < p.ends_on), None)
        if found
        else None
    )
    conflict = plan_conflict(
        entry.weight_bearing,
        phase.weight_bearing if phase else None,
        phase.title if phase else "",
    )
    review = PhysioReview.objects.create(
        episode=episode,
        reviewed_on=entry.reviewed_on,
        walking_aid=entry.walking_aid,
        weight_bearing=entry.weight_bearing,
        flexion_deg=entry.flexion_deg,
        abduction_deg=entry.abduction_deg,
        internal_rotation_deg=entry.internal_rotation_deg,
        external_rotation_deg=entry.external_rotation_deg,
        pain=entry.pain,
        exercises_progressed=entry.exercises_progressed,
        progressed_to=following if entry.progress_to_next_phase and following else "",
        notes=entry.notes,
        plan_conflict=conflict,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    # The plan's rows say which reviews are held: locked, so two reviews rewrite in turn.
    stored = RecoveryPlan.objects.select_for_update().filter(episode=episode).first()
    if stored is not None:
        store_appointments(stored)
    audit.record(
        actor=by,
        action="physio-review.record",
        object_type="physio-review",
        object_id=review.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Physiotherapy review {short_date(entry.reviewed_on)}"
        + (f"; moved on to {review.progressed_to}" if review.progressed_to else "")
        + (f"; CONTRADICTS THE PLAN: {conflict}" if conflict else ""),
        via=via,
        details={"plan_conflict": conflict} if conflict else None,
    )
    return review
