"""Addenda: later corrections or additions to a signed operation note (never an edit)."""

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput
from coxa.core.text import NOTE_MAX, meaningful, storable
from coxa.pathways.models import Episode
from coxa.surgery.models import Addendum, OperationNote


@audit.atomic()
def add_addendum(*, episode: Episode, text: str, by: User, via: audit.Via) -> Addendum:
    """A later correction or addition to a signed note; the note itself never changes."""
    require(by, Capability.WRITE_OPERATION_NOTES)
    note = OperationNote.objects.filter(episode=episode).first()
    if note is None or not note.is_signed:
        raise Conflict(
            ErrorCode.NOT_SIGNED, "addenda are added to a signed note; edit the draft instead"
        )
    if not meaningful(text):
        raise InvalidInput(
            ErrorCode.REQUIRED, "write the addendum (a word or more, not a mark)", "text"
        )
    storable(text, field="text", max_length=NOTE_MAX, label="addendum")
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
