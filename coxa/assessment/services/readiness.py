"""Readiness of an episode: the one gate for "ready for surgery", and the moves it makes.

``evaluate_episode`` runs the decision engine on the facts held, pairs each catalogue
requirement with its status, and judges the gate (domain/gate.py) today and again as of the
operation day. ``refresh`` stores the result for the worklists and moves the episode: to
optimising or ready when the gate says so, and back from ready or scheduled when it stops
holding (also when nobody is acting: the nightly check, services/nightly.py). Booking and
signing call ``gate_for`` with their own operation day and refuse when it does not hold.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment import selectors
from coxa.assessment.domain.facts import Held, document_for
from coxa.assessment.domain.gate import Gate, GateProblem, cautions, combine, judge
from coxa.assessment.domain.panel import Acknowledgement, Caution, Panel
from coxa.assessment.domain.requirements import (
    GATE_ACTION,
    RequirementRow,
    RequirementStatus,
    assess,
)
from coxa.assessment.models import CautionAcknowledgement, Readiness
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema import Catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.decisions.domain.document import read_document
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.domain.findings import Candidacy, Decision, Outcome
from coxa.decisions.domain.findings import Readiness as Verdict
from coxa.pathways import services as pathways
from coxa.pathways.domain import EpisodeState, Step
from coxa.pathways.models import Episode


@dataclass(frozen=True)
class Evaluation:
    """Everything known about an episode's readiness, judged today and for its operation."""

    decision: Decision  # as of today
    document: dict[str, Any]  # the facts the decision was made on
    statuses: tuple[RequirementRow, ...]  # as of today
    gate: Gate
    panel: Panel  # the same, as other apps, pages and the API read it


@dataclass(frozen=True)
class Known:
    """What the service reads once per evaluation, whatever days it judges.

    ``known_for`` reads one episode's; the nightly check reads a chunk's at once.
    """

    held: Held  # its ``operation_on`` is the operation day judged
    actions_done: dict[str, dt.date]
    acknowledgement: CautionAcknowledgement | None

    @property
    def acknowledged(self) -> dict[str, str]:
        """Acknowledged cautions: rule id to the very finding acknowledged."""
        return dict(self.acknowledgement.cautions) if self.acknowledgement else {}


def known_for(episode: Episode, operation_on: dt.date | None) -> Known:
    held = selectors.held_for(episode)
    held.operation_on = operation_on
    return Known(held, selectors.action_dates(episode), selectors.acknowledgement_of(episode))


def _as_of(
    known: Known, catalogue: Catalogue, episode: Episode, on: dt.date
) -> tuple[Decision, dict[str, Any], tuple[RequirementRow, ...]]:
    """The decision and the requirement statuses with what is known and valid on ``on``."""
    procedure = catalogue.procedures[episode.procedure]
    valid_days = {r.code: r.valid_days for r in procedure.requirements}
    document, dates = document_for(known.held, valid_days=valid_days, today=on)
    codes, classes = _reading(catalogue)
    decision = evaluate(
        read_document(document, procedure_codes=codes, medicine_classes=classes), catalogue
    )
    actions = {a.code: a.text for a in decision.actions}
    abnormal = {
        f.rule_id: actions.get(GATE_ACTION[f.rule_id], "See the finding.")
        for f in decision.findings
        if f.outcome is Outcome.OPTIMISE
    }
    statuses = tuple(
        assess(r, dates=dates, abnormal=abnormal, actions=known.actions_done, today=on)
        for r in procedure.requirements
    )
    return decision, document, statuses


_READING: dict[str, tuple[Catalogue, tuple[str, ...], Mapping[str, str]]] = {}


def _reading(catalogue: Catalogue) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """The procedures and medicine classes a document is read with, worked out once."""
    found = _READING.get(catalogue.content_hash)
    if found is None or found[0] is not catalogue:
        found = (catalogue, tuple(catalogue.procedures), catalogue.medicine_classes())
        _READING[catalogue.content_hash] = found
    return found[1], found[2]


def _on_the_day(problems: list[GateProblem]) -> list[GateProblem]:
    """Mark what only the operation day's judgement found."""
    return [dataclasses.replace(p, on_operation_day=True) for p in problems]


def evaluate_episode(
    episode: Episode, *, operation_on: dt.date | None = None, known: Known | None = None
) -> Evaluation:
    """The decision, requirement statuses and gate; ``operation_on`` overrides the booked day.

    The gate is judged today and, when the operation day is later, again as of that day with
    the facts that will still be valid then (and the patient's age then). ``known`` is what
    the nightly check read for the episode with others (``known_for`` otherwise).
    """
    catalogue = get_catalogue()
    day = operation_on or episode.operation_on
    known = known or known_for(episode, day)
    today = clock.today()
    decision, document, statuses = _as_of(known, catalogue, episode, today)
    acknowledged = known.acknowledged
    judged = [judge(decision, statuses, acknowledged=acknowledged, as_of=today, today=today)]
    later_cautions: dict[str, str] = {}
    if day is not None and day > today:
        later, _, later_statuses = _as_of(known, catalogue, episode, day)
        later_cautions = cautions(later)
        judged.append(
            _on_the_day(
                judge(later, later_statuses, acknowledged=acknowledged, as_of=day, today=today)
            )
        )
    gate = combine(day if day is not None and day > today else today, *judged)
    panel = _panel(
        decision, statuses, gate, known, cautions(decision) | later_cautions, catalogue, day
    )
    return Evaluation(decision, document, statuses, gate, panel)


def gate_for(episode: Episode, *, operation_on: dt.date) -> Gate:
    """The gate judged for an operation day, proposed or past.

    A proposed day (booking, re-dating) is judged today and on that day; the day an
    operation took place (signing the note, perhaps a day or two later) as of that day.
    """
    if operation_on > clock.today():
        return evaluate_episode(episode, operation_on=operation_on).gate
    catalogue = get_catalogue()
    known = known_for(episode, operation_on)
    decision, _, statuses = _as_of(known, catalogue, episode, operation_on)
    problems = judge(
        decision,
        statuses,
        acknowledged=known.acknowledged,
        as_of=operation_on,
        today=operation_on,
    )
    return combine(operation_on, problems)


def _panel(
    decision: Decision,
    statuses: tuple[RequirementRow, ...],
    gate: Gate,
    known: Known,
    found: dict[str, str],
    catalogue: Catalogue,
    operation_on: dt.date | None,
) -> Panel:
    stored, acknowledged = known.acknowledgement, known.acknowledged
    return Panel(
        readiness=decision.readiness,
        candidacy=decision.candidacy,
        # Today's cautions and those the operation day will bring (an age reached, say).
        cautions=tuple(
            Caution(rule_id, message, acknowledged.get(rule_id) == message)
            for rule_id, message in found.items()
        ),
        acknowledgement=None
        if stored is None
        else Acknowledgement(
            by=stored.by.get_full_name() or stored.by.username,
            at=stored.at,
            reason=stored.reason,
            cautions=dict(stored.cautions),
        ),
        gate=gate,
        requirements=statuses,
        medication_stops=decision.medicine_stops,
        medicines_known=decision.medicine_stops != () or _medicines_known(decision),
        findings=decision.findings,
        operation_on=operation_on,
        policy=catalogue.settings.medication_stop_policy,
        catalogue_version=catalogue.version,
    )


def _medicines_known(decision: Decision) -> bool:
    return not any(
        f.rule_id == "readiness.medicines" and f.outcome is Outcome.UNKNOWN
        for f in decision.findings
    )


@audit.atomic()
def refresh(
    episode: Episode,
    *,
    by: User | None,
    via: audit.Via,
    move: bool = True,
    evaluation: Evaluation | None = None,
) -> Readiness:
    """Recompute and store the episode's readiness, and move it as the gate says.

    ``by`` None is Coxa itself (the nightly job). ``move=False`` only stores: for importing
    past records whose states are being replayed. ``evaluation`` reuses one just made for
    this episode in its current state (booking makes one).
    """
    # Lock the row: a booking, a withdrawal or another refresh cannot move it between the
    # judgement and the move; and the caller's object may predate a move made since.
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    for name in ("state", "state_changed_at", "operation_on", "operation_sort_on"):
        setattr(episode, name, getattr(locked, name))
    evaluation = evaluation or evaluate_episode(episode)
    readiness, _ = Readiness.objects.update_or_create(
        episode=episode,
        defaults=stored_values(evaluation.panel, get_catalogue()) | {"computed_at": clock.now()},
    )
    if Episode.readiness.is_cached(episode):  # readiness_of reads the new row, once committed
        Episode.readiness.related.delete_cached_value(episode)
    if move:
        _move_for(episode, evaluation, readiness, by=by, via=via)
    return readiness


def stored_values(panel: Panel, catalogue: Catalogue) -> dict[str, Any]:
    """The stored readiness's columns for a panel, but when it was computed (and moves)."""
    return {
        "readiness": panel.readiness.value,
        "candidacy": panel.candidacy.value,
        "missing_count": panel.count(RequirementStatus.MISSING),
        "expired_count": panel.count(RequirementStatus.EXPIRED),
        "abnormal_count": panel.count(RequirementStatus.ABNORMAL),
        "unactioned_count": panel.unactioned,
        "expires_on": panel.expires_on,
        "first_stop_on": panel.first_stop_on,
        "late_stop": panel.late_stop,
        "cautions_waiting": panel.cautions_waiting,
        "decisions_waiting": panel.decisions_waiting,
        "panel": panel.as_json(catalogue),
    }


def move_for(episode: Episode, evaluation: Evaluation) -> tuple[EpisodeState, str] | None:
    """Where the gate moves the episode from its state, and why; None to stay.

    Forward to ready when it holds; to optimising when a gate needs correcting; back from
    ready or scheduled (with the gate's reasons) when it no longer holds.
    """
    state = episode.state_enum
    gate = evaluation.gate
    optimise = evaluation.decision.readiness is Verdict.OPTIMISE
    if gate.holds and state in (EpisodeState.LISTED, EpisodeState.OPTIMISING):
        return EpisodeState.READY, (
            f"Ready: every requirement is met and valid on {gate.on:%d %b %Y}"
            + ("; the cautions are acknowledged." if evaluation.panel.cautions else ".")
        )
    if optimise and state is EpisodeState.LISTED:
        return EpisodeState.OPTIMISING, "Not ready for surgery: " + gate.reason
    if gate.holds or state not in (EpisodeState.READY, EpisodeState.SCHEDULED):
        return None
    if state is EpisodeState.SCHEDULED and _operation_day_reached(episode):
        # The operation may have taken place: its note must still be writable. Signing
        # judges the gate as of the operation day; the worklist shows unsigned notes.
        return None
    return (
        EpisodeState.OPTIMISING if optimise else EpisodeState.LISTED,
        "No longer ready: " + gate.reason,
    )


def _move_for(
    episode: Episode,
    evaluation: Evaluation,
    readiness: Readiness,
    *,
    by: User | None,
    via: audit.Via,
) -> None:
    """Move the episode as the gate says (``move_for``)."""
    state = episode.state_enum
    found = move_for(episode, evaluation)
    if found is None:
        return
    target, reason = found
    pathways.move_episode(
        episode=episode, to=target.value, reason=reason, by=by, via=via, step=Step.READINESS
    )
    episode.refresh_from_db()
    if target is EpisodeState.READY:  # ready again: no longer "moved back"
        readiness.moved_back_at, readiness.moved_back_reason = None, ""
    elif state in (EpisodeState.READY, EpisodeState.SCHEDULED):
        readiness.moved_back_at, readiness.moved_back_reason = clock.now(), reason
    readiness.save(update_fields=["moved_back_at", "moved_back_reason"])


def _operation_day_reached(episode: Episode) -> bool:
    return episode.operation_on is not None and episode.operation_on <= clock.today()


@audit.atomic()
def plan_operation(
    *, episode: Episode, operation_on: dt.date | None, by: User, via: audit.Via, reason: str = ""
) -> Episode:
    """Set the planned operation date; medication stop dates and the letter follow it.

    The gate is then judged for that day, so a hip that would not be ready on it moves back.
    """
    episode = pathways.set_operation_date(
        episode=episode, operation_on=operation_on, by=by, via=via, reason=reason
    )
    refresh(episode, by=by, via=via)
    episode.refresh_from_db()
    return episode


@audit.atomic()
def acknowledge_cautions(
    *, episode: Episode, reason: str, by: User, via: audit.Via
) -> CautionAcknowledgement:
    """A surgeon acknowledges the hip's current candidacy cautions, saying why.

    The readiness gate then counts those cautions (by rule) as acknowledged.
    """
    require(by, Capability.ACKNOWLEDGE_CAUTIONS)
    storable(reason, field="reason", max_length=REASON_MAX)
    evaluation = evaluate_episode(episode)
    # Today's cautions and any the operation day brings (a man who turns 65 before it).
    found = {c.rule_id: c.message for c in evaluation.panel.cautions}
    if evaluation.decision.candidacy is Candidacy.CONTRAINDICATED or not found:
        raise Conflict(
            ErrorCode.NO_CAUTIONS,
            "there are no cautions to acknowledge: the candidacy is "
            f"{evaluation.decision.candidacy.label.lower()}",
            "reason",
        )
    if not meaningful(reason):
        raise InvalidInput(
            ErrorCode.REASON_REQUIRED,
            "say why surgery should go ahead despite the cautions (a sentence, not a mark)",
            "reason",
        )
    catalogue = get_catalogue()
    stored = CautionAcknowledgement.objects.create(
        episode=episode,
        cautions=found,
        reason=reason.strip(),
        by=by,
        at=clock.now(),
        catalogue_version=catalogue.version,
    )
    audit.record(
        actor=by,
        action="candidacy.acknowledge",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"{episode.side.title()} hip: cautions acknowledged ({'; '.join(found.values())})",
        reason=reason.strip(),
        via=via,
        details={"cautions": found},
    )
    refresh(episode, by=by, via=via)
    return stored
