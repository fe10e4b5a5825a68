"""Consent to the operation: recorded by a surgeon, superseded by a newer one, withdrawn.

A consent is kept for good. Recording one supersedes the hip's current consent (it stays,
marked superseded); withdrawing one keeps it, marked withdrawn with who, when and why, and
the hip cannot be booked (or re-dated) until a surgeon records consent again
(``services/schedule.py``). Both happen only before the operation.
"""

import uuid

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound
from coxa.core.text import REASON_MAX, meaningful, storable
from coxa.core.words import short_date
from coxa.pathways.models import Episode
from coxa.surgery import selectors
from coxa.surgery.domain.consent import (
    CONSENTABLE,
    ConsentContext,
    ConsentIn,
    consent_problems,
    discussed_alternatives,
    discussed_risks,
)
from coxa.surgery.models import Consent


def _locked_open(episode: Episode) -> Episode:
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    if locked.state not in CONSENTABLE:
        raise Conflict(
            ErrorCode.CONSENT_CLOSED,
            f"consent is recorded and withdrawn before the operation; this hip is {locked.state}",
            "episode",
        )
    return locked


@audit.atomic()
def record_consent(*, episode: Episode, entry: ConsentIn, by: User, via: audit.Via) -> Consent:
    """Record the consent a surgeon (``by``) took; it supersedes the hip's current one."""
    require(by, Capability.TAKE_CONSENT)
    locked = _locked_open(episode)
    procedure = selectors.procedure_of(locked)
    now = clock.now()
    problems = consent_problems(
        entry,
        ConsentContext(
            procedure=procedure, side=locked.side, referred_on=locked.referred_on, now=now
        ),
    )
    if problems:
        raise InvalidInput.of(problems)
    previous = (
        Consent.objects.select_for_update()
        .filter(episode=locked, superseded_at__isnull=True)
        .first()
    )
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    catalogue = get_catalogue()
    consent = Consent.objects.create(
        episode=locked,
        procedure=procedure.code,
        side=locked.side,
        risks=discussed_risks(entry, procedure),
        alternatives=discussed_alternatives(entry, procedure),
        information_version=entry.information_version,
        taken_by=by,
        taken_at=entry.taken_at,
        note=entry.note,
        catalogue_version=catalogue.version,
        catalogue_hash=catalogue.content_hash,
        recorded_at=now,
        supersedes=previous,
    )
    audit.record(
        actor=by,
        action="consent.record",
        object_type="consent",
        object_id=consent.public_id,
        patient_id=locked.patient.public_id,
        summary=f"Consent to {procedure.title}, {locked.side} hip, taken "
        f"{short_date(entry.taken_at.date())} {entry.taken_at:%H:%M}"
        + (" (supersedes the earlier consent)" if previous is not None else ""),
        via=via,
        details={
            "risks": [r["code"] for r in consent.risks],
            "alternatives": [a["code"] for a in consent.alternatives],
            "information_version": consent.information_version,
            "catalogue_version": catalogue.version,
            **({"supersedes": str(previous.public_id)} if previous is not None else {}),
        },
    )
    return consent


@audit.atomic()
def withdraw_consent(
    *, episode: Episode, consent_id: uuid.UUID, reason: str, by: User, via: audit.Via
) -> Consent:
    """Record that the patient withdrew the named (current) consent, and why."""
    require(by, Capability.WITHDRAW_CONSENT)
    storable(reason, field="reason", max_length=REASON_MAX)
    locked = _locked_open(episode)
    consent = (
        Consent.objects.select_for_update().filter(episode=locked, public_id=consent_id).first()
    )
    if consent is None:
        raise NotFound(ErrorCode.NOT_FOUND, "this hip has no such consent")
    if not consent.is_current:
        raise Conflict(
            ErrorCode.CONSENT_NOT_CURRENT,
            "this consent is already withdrawn or superseded by a newer one",
            "consent",
        )
    if not meaningful(reason):
        raise InvalidInput(
            ErrorCode.REASON_REQUIRED, "say why consent is withdrawn (in words)", "reason"
        )
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by = by
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit.record(
        actor=by,
        action="consent.withdraw",
        object_type="consent",
        object_id=consent.public_id,
        patient_id=locked.patient.public_id,
        summary=f"Consent to the {locked.side} hip's operation withdrawn",
        reason=consent.withdrawal_reason,
        via=via,
    )
    return consent
