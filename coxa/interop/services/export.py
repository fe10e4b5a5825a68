"""What a bulk export changes: its start, its files as the worker writes them, its deletion."""

import datetime as dt
from typing import Any

from django.conf import settings
from django_tasks.base import Task

from coxa.accounts.models import User
from coxa.core import audit, background, clock
from coxa.interop.domain.export import ExportRequest
from coxa.interop.models import BulkExport, ExportFile

KIND = "fhir.export"


@audit.atomic()
def start_export(
    *, actor: User, request: ExportRequest, url: str, task: Task[Any, Any]
) -> BulkExport:
    """Record who asked for what, then queue ``task`` to write it (one job an export).

    The view passes the task (``interop.tasks.export_records``): tasks sit above services.
    """
    export = BulkExport.objects.create(
        requested_by=actor,
        level=request.level.value,
        group=request.group,
        types=list(request.types),
        since=request.since,
        request_url=url[:2000],
        transaction_time=clock.now(),
    )
    audit.record(
        actor=actor,
        action="fhir.export",
        object_type="fhir-export",
        object_id=export.public_id,
        summary=f"Asked for a FHIR bulk export ({request.level.value}"
        + (f" {request.group}" if request.group else "")
        + f"): {', '.join(request.types)}",
        via=audit.Via.API,
        details={"types": list(request.types), "since": str(request.since or "")},
    )
    job = background.start(
        KIND,
        f"{KIND}:{export.public_id}",
        task,
        by=actor,
        export_id=str(export.public_id),
    )
    BulkExport.objects.filter(pk=export.pk).update(job=job)
    export.refresh_from_db()
    return export


def keep_part(export: BulkExport, *, type_: str, part: int, lines: list[bytes]) -> ExportFile:
    """One file of the export: ``lines`` of NDJSON, kept for COXA_JOB_FILE_HOURS."""
    data = b"".join(lines)
    return ExportFile.objects.create(
        export=export,
        type=type_,
        part=part,
        count=len(lines),
        data=data,
        size=len(data),
        expires_at=clock.now() + dt.timedelta(hours=settings.JOB_FILE_HOURS),
    )


@audit.atomic()
def delete_export(*, actor: User, export: BulkExport) -> None:
    """The export is over for its client: its files go, and its status answers 404 from now."""
    export.files.all().delete()
    BulkExport.objects.filter(pk=export.pk).update(deleted_at=clock.now())
    audit.record(
        actor=actor,
        action="fhir.export-delete",
        object_type="fhir-export",
        object_id=export.public_id,
        summary="Deleted a FHIR bulk export and its files",
        via=audit.Via.API,
    )
