"""A recall (a field safety notice naming a product and lot): recording each patient contacted.

Which hips a notice reaches is ``selectors.list_recall``; this records, for one hip, that its
patient was contacted, how and when (issue 15).
"""

from django.db.models import Q

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.pathways.models import Episode
from coxa.surgery.models import Implant
from coxa.surveillance.domain.inputs import RecallContactIn
from coxa.surveillance.models import EnrolledImplant, RecallContact


@audit.atomic()
def record_recall_contact(
    *, episode: Episode, entry: RecallContactIn, by: User, via: audit.Via
) -> RecallContact:
    require(by, Capability.RECORD_SURVEILLANCE)
    day = entry.contacted_on
    patient = episode.patient
    if day > clock.today():
        raise InvalidInput(
            ErrorCode.INVALID_VALUE, "the day cannot be in the future", "contacted_on"
        )
    if day < patient.date_of_birth:
        raise InvalidInput(
            ErrorCode.BEFORE_BIRTH, "the day is before the date of birth", "contacted_on"
        )
    if episode.operation_on is not None and day < episode.operation_on:
        raise InvalidInput(
            ErrorCode.BEFORE_OPERATION,
            f"the day is before the operation ({episode.operation_on:%-d %b %Y})",
            "contacted_on",
        )
    if patient.date_of_death is not None and day > patient.date_of_death:
        raise InvalidInput(
            ErrorCode.AFTER_DEATH, "the day is after the patient's recorded death", "contacted_on"
        )
    named = Q(product__icontains=entry.product) & (Q(lot__iexact=entry.lot) if entry.lot else Q())
    by_lot = Q(product="", lot__iexact=entry.lot) if entry.lot else Q(pk__in=[])
    noted = Implant.objects.filter(
        named | by_lot, note__episode=episode, note__signed_at__isnull=False
    )
    by_hand = EnrolledImplant.objects.filter(named | by_lot, enrolment__episode=episode)
    if not noted.exists() and not by_hand.exists():
        raise InvalidInput(
            ErrorCode.INVALID_VALUE,
            "this hip has no implant of that product and lot",
            "product",
        )
    contact = RecallContact.objects.create(
        episode=episode,
        product=entry.product,
        lot=entry.lot,
        notice=entry.notice,
        method=entry.method,
        note=entry.note,
        contacted_on=entry.contacted_on,
        by=by,
        at=clock.now(),
    )
    audit.record(
        actor=by,
        action="surveillance.recall-contact",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Contacted ({entry.method}) about notice {entry.notice}: {entry.product}"
        + (f" lot {entry.lot}" if entry.lot else ""),
        via=via,
    )
    return contact
