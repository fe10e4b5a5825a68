"""The one place other apps ask about procedures: a thin, read-only view of the catalogue."""

from dataclasses import dataclass

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema import Procedure
from coxa.core.contacts import Contact, service_contacts


def procedure_codes() -> tuple[str, ...]:
    return tuple(get_catalogue().procedures)


def all_procedures() -> tuple[Procedure, ...]:
    return tuple(get_catalogue().procedures.values())


def get_procedure(code: str) -> Procedure | None:
    return get_catalogue().procedures.get(code)


def catalogue_version() -> str:
    return get_catalogue().version


def catalogue_hash() -> str:
    """A hash of the catalogue files' contents, stored on each episode for provenance."""
    return get_catalogue().content_hash


@dataclass(frozen=True)
class WatchFor:
    """What a patient watches for after the operation, and whom to call.

    The partial ``catalogue/shared/warning_signs.html`` shows it: the plan, its PDF, the
    portal and the getting-ready letter.
    """

    get_help_now: tuple[str, ...]  # an emergency: call 999
    call_us: tuple[str, ...]  # call the service's numbers
    contacts: tuple[Contact, ...]


def watch_for(procedure: Procedure) -> WatchFor:
    return WatchFor(
        get_help_now=tuple(s.text for s in procedure.signs_in("get-help-now")),
        call_us=tuple(s.text for s in procedure.signs_in("call-us")),
        contacts=service_contacts(),
    )
