"""The complications register of a hip: record one, strike one out made in error.

A complication is recorded against the operation it follows (the signed operation note's
day), with its type from the catalogue, its Clavien-Dindo grade and its outcome. Every
refusal names its field, and nothing is stored. An entry made in error is struck out with
the reason, never deleted: the register is what the registry and the surgeon's audit read.
"""

import datetime as dt
import uuid

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, Problem
from coxa.core.text import NOTE_MAX, REASON_MAX, meaningful, text_problem
from coxa.outcomes.domain.complications import Facts, Grade, Kind, problems
from coxa.outcomes.models import Complication
from coxa.outcomes.services.endpoints import ends_of
from coxa.pathways.models import Episode
from coxa.surgery.models import OperationNote


def operated_on(episode: Episode) -> dt.date | None:
    """The day of the hip's operation: its signed operation note's (None: not operated)."""
    return (
        OperationNote.objects.filter(episode=episode, signed_at__isnull=False)
        .values_list("operated_on", flat=True)
        .first()
    )


def kinds() -> dict[str, Kind]:
    """The catalogue's complication types, as the checks read them, in the catalogue's order."""
    return {
        c.code: Kind(c.code, c.title, c.procedures, c.needs_words)
        for c in get_catalogue().complications.values()
    }


def title_of(code: str) -> str:
    """A type's words; a code the current catalogue no longer has is shown as it was stored."""
    found = get_catalogue().complications.get(code)
    return found.title if found is not None else code


def described(c: Complication) -> str:
    """The complication in words: its type, what "other" was, and its grade."""
    what = title_of(c.type)
    if c.description:
        what = f"{what.removesuffix(' (say what)')}: {c.description}"
    return f"{what}, Clavien-Dindo grade {c.clavien_dindo}{'d' if c.disability else ''}"


@audit.atomic()
def record_complication(
    *,
    episode: Episode,
    type: str,  # the API's field name
    found_on: dt.date,
    clavien_dindo: str,
    outcome: str,
    treatment: str = "",
    description: str = "",
    disability: bool = False,
    by: User,
    via: audit.Via,
) -> Complication:
    """Record a complication found on ``found_on`` after this hip's operation.

    Refused, each on its field: a hip with no signed operation note (a conflict with its
    state); a day before the operation, in the future, after the hip's conversion or after
    a recorded death (the day itself is allowed: a late entry); a type the
    catalogue lacks or that cannot follow this operation; a grade that is not Clavien-Dindo's;
    grade V (death) before the death is recorded or with another outcome.
    """
    require(by, Capability.RECORD_COMPLICATIONS)
    text = [
        text_problem(treatment, field="treatment", max_length=NOTE_MAX),
        text_problem(description, field="description", max_length=REASON_MAX),
    ]
    if any(text):
        raise InvalidInput.of([p for p in text if p is not None])
    locked = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    day = operated_on(locked)
    if day is None:
        raise Conflict(
            ErrorCode.NOT_OPERATED,
            "this hip has no signed operation note: a complication of its operation cannot be "
            "recorded before it",
            "episode",
        )
    known = kinds()
    ends = ends_of(locked)  # nothing found after the conversion or the death (H60, H63)
    found = problems(
        kind=known.get(type),
        type_code=type,
        known_types=list(known),
        found_on=found_on,
        grade=clavien_dindo,
        disability=disability,
        outcome=outcome,
        description=description,
        facts=Facts(
            procedure=locked.procedure,
            operated_on=day,
            died_on=ends.died_on,
            today=clock.today(),
            converted_on=ends.converted_on,
        ),
    )
    if found:
        raise InvalidInput.of(found)
    complication = Complication.objects.create(
        episode=locked,
        type=type,
        description=description.strip(),
        found_on=found_on,
        clavien_dindo=Grade(clavien_dindo).value,
        disability=disability,
        treatment=treatment.strip(),
        outcome=outcome,
        recorded_by=by,
        recorded_at=clock.now(),
        catalogue_version=get_catalogue().version,
    )
    audit.record(
        actor=by,
        action="complication.record",
        object_type="complication",
        object_id=complication.public_id,
        patient_id=locked.patient.public_id,
        summary=f"Complication of the {locked.side} hip recorded: {described(complication)}, "
        f"found {found_on:%-d %b %Y}",
        via=via,
        details={
            "episode": str(locked.public_id),
            "type": type,
            "grade": complication.clavien_dindo,
            "disability": disability,
            "outcome": outcome,
        },
    )
    return complication


@audit.atomic()
def strike_out(
    *, episode: Episode, complication_id: uuid.UUID, reason: str, by: User, via: audit.Via
) -> Complication:
    """Strike out an entry made in error (wrong hip, wrong patient, not a complication).

    The entry stays, marked, with who struck it out, when and why; the figures leave it out.
    To correct a detail, strike the entry out and record it again.
    """
    require(by, Capability.RECORD_COMPLICATIONS)
    problem = text_problem(reason, field="reason", max_length=REASON_MAX)
    if problem is None and not meaningful(reason):
        problem = Problem(
            ErrorCode.REASON_REQUIRED, "say in words why it was made in error", "reason"
        )
    if problem is not None:
        raise InvalidInput(problem.code, problem.message, problem.field)
    try:
        locked = Complication.objects.select_for_update().get(
            episode=episode, public_id=complication_id
        )
    except Complication.DoesNotExist:
        raise NotFound(ErrorCode.NOT_FOUND, "this hip has no such complication") from None
    if locked.struck_out_at is not None:
        raise Conflict(ErrorCode.STRUCK_OUT, "this entry is struck out already", "complication")
    locked.struck_out_at = clock.now()
    locked.struck_out_by = by
    locked.struck_out_reason = reason.strip()
    locked.save(update_fields=["struck_out_at", "struck_out_by", "struck_out_reason"])
    audit.record(
        actor=by,
        action="complication.strike-out",
        object_type="complication",
        object_id=locked.public_id,
        patient_id=episode.patient.public_id,
        summary=f"Complication struck out as made in error: {described(locked)} "
        f"(found {locked.found_on:%-d %b %Y}); reason: {locked.struck_out_reason}",
        via=via,
        details={"episode": str(episode.public_id), "type": locked.type},
    )
    return locked
