"""The one place other apps ask about procedures: a thin, read-only view of the catalogue."""

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema import Procedure


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
