"""Reads of a bulk export: its patients in chunks, each type's rows, and the export itself.

The export's own reads are not audited row by row: its start names who asked for what, and
each file taken away is recorded (``take_file``).
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from coxa.accounts.models import User
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, Hidden
from coxa.core.models import BackgroundJob
from coxa.interop.domain.export import Level, file_named
from coxa.interop.models import BulkExport, ExportFile
from coxa.interop.selectors.readers import READERS
from coxa.interop.selectors.readings import readings
from coxa.pathways.models import Episode
from coxa.patients.models import Patient

EVERY = 10**9  # no limit: every reading of a chunk's patients


def patients_of(export: BulkExport) -> QuerySet[Patient]:
    """The patients an export covers: every one, or those with a hip of the group's procedure."""
    patients = Patient.objects.all()
    if export.level == Level.GROUP:
        hips = Episode.objects.filter(patient=OuterRef("pk"), procedure=export.group)
        patients = patients.filter(Exists(hips))
    return patients


def chunks(export: BulkExport, size: int) -> Iterator[list[int]]:
    """The export's patients' keys, ``size`` at a time, in key order (a cursor: flat memory)."""
    last = 0
    scope = patients_of(export).order_by("pk").values_list("pk", flat=True)
    while True:
        found = list(scope.filter(pk__gt=last)[:size])
        if not found:
            return
        yield found
        last = found[-1]


def rows(type_: str, patient_keys: list[int], since: dt.datetime | None) -> list[Any]:
    """Every row of one type for these patients (changed after ``since``, where Coxa can tell)."""
    patients = Patient.objects.filter(pk__in=patient_keys)
    if type_ == "Observation":
        return readings(patients, ids=(), tokens=(), periods=(), limit=EVERY, since=since)
    found = READERS[type_].query(patients, ids=(), tokens=(), periods=(), since=since)
    return list(found.order_by("pk"))


def access_export(*, actor: User, export_id: uuid.UUID) -> BulkExport:
    """An export the caller asked for and has not deleted (anyone else's is as if absent)."""
    found = (
        BulkExport.objects.filter(public_id=export_id, requested_by=actor, deleted_at__isnull=True)
        .select_related("job")
        .first()
    )
    if found is None:
        raise Hidden(ErrorCode.NOT_FOUND, "no export with this id")
    return found


def files_of(export: BulkExport) -> list[ExportFile]:
    """The export's files, without their contents (for the manifest)."""
    return list(export.files.defer("data").order_by("id"))


def take_file(*, actor: User, export_id: uuid.UUID, name: str) -> ExportFile:
    """One file of the caller's export, while it is kept; the copy taken away is recorded."""
    export = access_export(actor=actor, export_id=export_id)
    named = file_named(name)
    found = (
        None
        if named is None
        else ExportFile.objects.filter(
            export=export, type=named[0], part=named[1], expires_at__gt=clock.now()
        ).first()
    )
    if found is None:
        raise Hidden(ErrorCode.NOT_FOUND, "no such file in this export (or no longer kept)")
    audit.record(
        actor=actor,
        action="fhir.export-file",
        object_type="fhir-export",
        object_id=export.public_id,
        summary=f"Took FHIR export file {found.name} ({found.count} resources)",
        via=audit.Via.API,
        details={"type": found.type, "part": found.part, "count": found.count},
    )
    return found


def running_for(user: User) -> bool:
    """Whether an export the caller asked for is still queued or running (one at a time)."""
    return BulkExport.objects.filter(
        requested_by=user,
        deleted_at__isnull=True,
        job__status__in=(BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING),
    ).exists()


def files_kept(export: BulkExport) -> bool:
    """Whether the export's files are still kept (or it wrote none: an empty export)."""
    files = export.files.all()
    return not files.exists() or files.filter(expires_at__gt=clock.now()).exists()
