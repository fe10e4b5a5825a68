"""Loading a service's licensed wording and value set for a licensed questionnaire."""

import hashlib
from typing import Any

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput, NotFound, Problem
from coxa.outcomes.domain.licensed import LicenceFileError, check_licence_file
from coxa.outcomes.models import LicensedInstrument


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@audit.atomic()
def load_licensed(*, data: Any, file_sha256: str, by: User, via: audit.Via) -> LicensedInstrument:
    """Check the file against the shipped structure and store it; the latest load counts.

    A file that does not match (wrong item codes or answer values, missing items or labels, a
    value set with the wrong number of profiles or values out of range) is refused with every
    problem named, and nothing is stored.
    """
    require(by, Capability.LOAD_LICENSED_INSTRUMENTS)
    code = data.get("instrument") if isinstance(data, dict) else None
    instrument = get_catalogue().instruments.get(str(code))
    if instrument is None:
        known = ", ".join(i.code for i in get_catalogue().instruments.values() if i.licensed)
        raise NotFound(
            ErrorCode.UNKNOWN_INSTRUMENT,
            f"instrument: no questionnaire {code!r}; licensed ones are {known}",
            "instrument",
        )
    try:
        licensed = check_licence_file(instrument, data)
    except LicenceFileError as error:
        raise InvalidInput.of(
            [Problem(ErrorCode.LICENCE_FILE_MISMATCH, p) for p in error.problems]
        ) from None
    row = LicensedInstrument.objects.create(
        instrument=instrument.code,
        licence=licensed.licence[:300],
        content=licensed.as_json(),
        file_sha256=file_sha256,
        loaded_by=by,
        loaded_at=clock.now(),
    )
    audit.record(
        actor=by,
        action="instrument.load-licensed",
        object_type="licensed-instrument",
        object_id=row.public_id,
        summary=f"Loaded the licensed wording of the {instrument.title}"
        + (f" with the value set {licensed.value_set_name}" if licensed.value_set else ""),
        via=via,
        details={"instrument": instrument.code, "sha256": file_sha256},
    )
    return row
