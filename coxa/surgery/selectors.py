"""Reads for surgery: what the services and pages need about an episode's operation."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.assessment import selectors as assessment
from coxa.assessment.models import Imaging
from coxa.assessment.services import readiness
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import WatchFor, get_procedure, watch_for
from coxa.catalogue.schema import Procedure
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput, NotFound
from coxa.core.text import storable
from coxa.decisions.domain.anticoagulation import is_anticoagulant
from coxa.decisions.domain.medicines import MedicineStop
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.surgery.domain.consent import ConsentFacts
from coxa.surgery.domain.plan import Plan, RecoveryProtocol, generate
from coxa.surgery.domain.prophylaxis import Prophylaxis, ProphylaxisIn, schedule
from coxa.surgery.domain.workdays import WorkingDays
from coxa.surgery.models import (
    Booking,
    Consent,
    OperationNote,
    PhysioReview,
    PlanChange,
    RecoveryPlan,
)


def surgeon_named(username: str) -> User:
    """An active surgeon by username; the error names the ``surgeon`` field."""
    storable(username, field="surgeon", max_length=150, label="surgeon's username")
    found = User.objects.filter(username=username, role=Role.SURGEON, is_active=True).first()
    if found is None:
        raise InvalidInput(ErrorCode.NOT_A_SURGEON, f"no active surgeon {username!r}", "surgeon")
    return found


def procedure_of(episode: Episode) -> Procedure:
    procedure = get_procedure(episode.procedure)
    if procedure is None:
        raise NotFound(
            ErrorCode.UNKNOWN_PROCEDURE, f"the catalogue has no procedure {episode.procedure}"
        )
    return procedure


def listed_on(episode: Episode) -> dt.date | None:
    """The day the hip was (last) listed for surgery."""
    step = (
        EpisodeTransition.objects.filter(episode=episode, to_state=EpisodeState.LISTED)
        .order_by("-at", "-id")
        .first()
    )
    return None if step is None else timezone.localdate(step.at)


def templated_head_mm(episode: Episode) -> float | None:
    """The newest templated head size recorded from imaging of this hip (never the other)."""
    found = (
        Imaging.objects.filter(
            episode=episode,
            is_current=True,
            templated_head_size_mm__isnull=False,
            side__in=("", "both", episode.side),
        )
        .order_by("-on", "-recorded_at", "-id")
        .values_list("templated_head_size_mm", flat=True)
        .first()
    )
    return None if found is None else float(found)


def thresholds() -> dict[str, float]:
    return {key: t.value for key, t in get_catalogue().thresholds.items()}


def stocked_sizes() -> dict[str, tuple[float, float]]:
    stocked = get_catalogue().settings.bhr_stocked_sizes_mm
    return {name: (r.low, r.high) for name, r in stocked.items()}


def cups_for_head() -> dict[float, tuple[float, ...]]:
    return {p.head: p.cups for p in get_catalogue().settings.bhr_cups_for_head_mm}


def override_reasons() -> dict[str, str]:
    """Each reason's code and the words shown for it."""
    return {r.code: r.text for r in get_catalogue().settings.head_size_override_reasons}


def override_scopes() -> dict[str, tuple[str, ...]]:
    """Each reason's code and the restrictions it may answer."""
    return {r.code: r.applies_to for r in get_catalogue().settings.head_size_override_reasons}


_PROTOCOLS: dict[tuple[str, str], RecoveryProtocol] = {}


def protocol_of(stored: RecoveryPlan) -> RecoveryProtocol:
    """The protocol a signed plan froze: never today's catalogue.

    Read once per catalogue content and procedure (a worklist reads many plans).
    """
    key = (stored.catalogue_hash, str(stored.protocol.get("title", "")))
    found = _PROTOCOLS.get(key) if stored.catalogue_hash else None
    if found is None:
        found = RecoveryProtocol.from_json(stored.protocol)
        if stored.catalogue_hash:
            _PROTOCOLS[key] = found
    return found


def working_days() -> WorkingDays:
    """The service's working weekdays and closed days, from the settings.

    ``COXA_WORKING_WEEKDAYS`` and ``COXA_CLOSED_DAYS``: plans laid out from now on keep their
    appointments to them.
    """
    return WorkingDays(frozenset(settings.WORKING_WEEKDAYS), frozenset(settings.CLOSED_DAYS))


def signed_plan(stored: RecoveryPlan) -> Plan:
    """The plan as signed: its own protocol and its own calendar (none before the rule)."""
    return generate(
        protocol_of(stored),
        stored.operation_on,
        phase_end_days=stored.phase_end_days,
        appointment_days=stored.appointment_days,
        extended=stored.extended,
        calendar=WorkingDays.from_json(stored.working_days),
    )


def prophylaxis_of(note: OperationNote | None, procedure: Procedure) -> Prophylaxis | None:
    """The VTE prophylaxis of a signed note, dated from its operation day."""
    if note is None or not note.is_signed or not note.vte_prophylaxis:
        return None
    given = ProphylaxisIn.model_validate(note.vte_prophylaxis)
    if given.regimen and procedure.vte_prophylaxis.regimen(given.regimen) is None:
        return None  # a regimen a later catalogue dropped: the note still names it
    return schedule(given, procedure.vte_prophylaxis, note.operated_on)


def booking_of(episode: Episode) -> Booking | None:
    return Booking.objects.filter(episode=episode).select_related("surgeon").first()


def consents_of(episode: Episode) -> list[Consent]:
    """Every consent of the hip, newest first: the live one (current or withdrawn) leads."""
    return list(Consent.objects.filter(episode=episode).select_related("taken_by", "withdrawn_by"))


def live_consent(episode: Episode) -> Consent | None:
    """The hip's newest consent, not superseded; it may be withdrawn."""
    return (
        Consent.objects.filter(episode=episode, superseded_at__isnull=True)
        .select_related("taken_by", "withdrawn_by")
        .first()
    )


def current_consent(episode: Episode) -> Consent | None:
    """The consent that stands: the live one, unless the patient withdrew it."""
    live = live_consent(episode)
    return live if live is not None and not live.is_withdrawn else None


def consent_facts(consent: Consent | None) -> ConsentFacts | None:
    return None if consent is None else ConsentFacts(consent.procedure, consent.side)


def note_of(episode: Episode) -> OperationNote | None:
    return (
        OperationNote.objects.filter(episode=episode)
        .select_related("surgeon", "signed_by", "written_by")
        .prefetch_related("implants", "addenda__by", "confirmations__by", "confirmations__consent")
        .first()
    )


def signature_of(episode: Episode) -> OperationNote | None:
    """The hip's note with only who signed it and when, in one query.

    For summaries that show whether the note is written and signed, not its implants,
    addenda or confirmations.
    """
    return (
        OperationNote.objects.filter(episode=episode)
        .select_related("signed_by")
        .only("episode_id", "signed_at", "operated_on", "signed_by")
        .first()
    )


def stored_plan(episode: Episode) -> RecoveryPlan | None:
    return RecoveryPlan.objects.filter(episode=episode).first()


def plan_of(episode: Episode, stored: RecoveryPlan | None = None) -> tuple[Plan, bool] | None:
    """The recovery plan and whether it is final (made from a signed note).

    Before the operation the plan is a projection from the booked date; it becomes final,
    and stops moving with the booking, when the note is signed.
    """
    stored = stored or stored_plan(episode)
    if stored is not None:
        return signed_plan(stored), True
    if episode.operation_on is None:
        return None
    return generate(procedure_of(episode), episode.operation_on, calendar=working_days()), False


def operation_context(episode: Episode) -> dict[str, Any]:
    procedure = procedure_of(episode)
    note = note_of(episode)
    stored = stored_plan(episode)
    found = plan_of(episode, stored)
    consents = consents_of(episode)
    live = next((c for c in consents if c.superseded_at is None), None)
    return {
        "episode": episode,
        "procedure": procedure,
        "consent": live,  # the live consent (current, or withdrawn: the page warns)
        "earlier_consents": [c for c in consents if c is not live],
        "booking": booking_of(episode),
        "note": note,
        "plan": found[0] if found else None,
        "plan_final": bool(found and found[1]),
        "watch_for": watch_for(procedure),
        "prophylaxis": prophylaxis_of(note, procedure),
        "own": own_anticoagulants(episode),
        "vte_admission_on": assessment.vte_admission_on(episode, episode.operation_on)
        if episode.operation_on
        else None,
        "changes": PlanChange.objects.filter(plan=stored).select_related("by") if stored else [],
        "discharge": getattr(episode, "discharge", None) if note and note.is_signed else None,
        "reviews": PhysioReview.objects.filter(episode=episode).select_related("recorded_by"),
        "surgeons": User.objects.filter(role=Role.SURGEON, is_active=True).order_by("username"),
        "confirmed_by": [c.by for c in note.confirmations.all() if c.draft_hash == note.draft_hash]
        if note
        else [],
        # The consents that discussed the confirmed restricted sizes (the note links to them).
        "override_consents": list(
            {
                c.consent.pk: c.consent
                for c in note.confirmations.all()
                if c.draft_hash == note.draft_hash and c.consent is not None
            }.values()
        )
        if note
        else [],
        "ranged_phase": next(
            (p for p in procedure.recovery.phases if p.end_day_min != p.end_day_max), None
        ),
        "today": clock.today(),
        "now": clock.now(),
        "phase_days": [(p, (p.ends_on - found[0].operation_on).days) for p in found[0].phases]
        if found
        else [],
        "appointment_days": [
            (a, (a.due_on - found[0].operation_on).days) for a in found[0].appointments
        ]
        if found
        else [],
    }


def own_anticoagulants(episode: Episode) -> tuple[MedicineStop, ...]:
    """The patient's own anticoagulants and their planned restart, which the plan repeats.

    After the operation the getting-ready letter no longer applies, so the plan is where the
    patient reads when to start their own anticoagulant again.
    """
    stops = readiness.evaluate_episode(episode).panel.medication_stops
    return tuple(s for s in stops if is_anticoagulant(s.drug_class))


@dataclass(frozen=True)
class PatientPlan:
    """What others may show of a hip's recovery plan: the portal, the PDF, the calendar."""

    episode: Episode
    procedure: Procedure
    plan: Plan | None  # None until the operation has a date
    final: bool  # made from the signed note; before that, projected from the booked date

    @property
    def watch_for(self) -> WatchFor:
        """The procedure's warning signs and the service's numbers."""
        return watch_for(self.procedure)

    @property
    def prophylaxis(self) -> Prophylaxis | None:
        """The VTE prophylaxis prescribed in the signed note, with its dates."""
        return prophylaxis_of(getattr(self.episode, "operation_note", None), self.procedure)

    @cached_property
    def own_anticoagulants(self) -> tuple[MedicineStop, ...]:
        return own_anticoagulants(self.episode)


class Copy(StrEnum):
    """A copy of the plan someone takes away, each recorded."""

    PAGE = "page"  # shown on a page (the episode read is recorded by access_episode)
    PDF = "pdf"
    CALENDAR = "calendar"


_COPIES = {
    Copy.PDF: ("recovery-plan.pdf", "Recovery plan produced as PDF"),
    Copy.CALENDAR: ("recovery-plan.calendar", "Recovery plan as a calendar file"),
}


def access_plan(
    *, actor: User, episode: Episode, via: audit.Via, copy: Copy = Copy.PAGE
) -> PatientPlan:
    """The recovery plan of an episode already read with ``access_episode``.

    A PDF or a calendar file is recorded; a calendar of no plan is NotFound (nothing recorded).
    """
    found = plan_of(episode)
    if copy is Copy.CALENDAR and found is None:
        raise NotFound(ErrorCode.NO_PLAN, "no operation date yet, so no recovery plan")
    if copy in _COPIES:
        action, summary = _COPIES[copy]
        audit.record(
            actor=actor,
            action=action,
            object_type="episode",
            object_id=episode.public_id,
            patient_id=episode.patient.public_id,
            summary=summary,
            via=via,
        )
    return PatientPlan(
        episode, procedure_of(episode), found[0] if found else None, bool(found and found[1])
    )
