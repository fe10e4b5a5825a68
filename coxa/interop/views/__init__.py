"""The FHIR API's views: read and search (``resources``), bulk export (``export``)."""

from coxa.interop.views.export import export_file, export_status, kick_off
from coxa.interop.views.resources import metadata, read, read_episode, read_patient, search
from coxa.interop.views.transaction import transaction

__all__ = [
    "export_file",
    "export_status",
    "kick_off",
    "metadata",
    "read",
    "read_episode",
    "read_patient",
    "search",
    "transaction",
]
