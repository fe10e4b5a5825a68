"""Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off, status, files.

The kick-off answers 202 with the status's address (Content-Location) and queues the work;
polling the status answers 202 with X-Progress while it runs, then the manifest; DELETE on the
status removes the export and its files. Only the caller who asked may poll, delete or take
its files (anyone else is answered 404, as if it did not exist).
"""

import uuid
from dataclasses import replace

from django.http import HttpRequest, HttpResponse, JsonResponse

from coxa.accounts.access import reads_with_a_token
from coxa.accounts.domain import Interaction, allows
from coxa.accounts.permissions import Op
from coxa.accounts.services.smart import Caller
from coxa.catalogue.loader import get_catalogue
from coxa.core.errors import CoxaError
from coxa.core.models import BackgroundJob
from coxa.core.web import operation_outcome
from coxa.interop.domain import export as bulk
from coxa.interop.models import BulkExport
from coxa.interop.selectors import export as exporting
from coxa.interop.services import export as services
from coxa.interop.tasks import export_records
from coxa.interop.views.answers import (
    answer,
    base_url,
    caller,
    get_only,
    out_of_scope,
    refused,
)

RETRY_AFTER = "2"  # seconds before polling again


def _within_scopes(asked: bulk.ExportRequest, who: Caller, *, named: bool) -> bulk.ExportRequest:
    """Without _type, the types the system's scopes reach (a type named beyond them: 403)."""
    if named or who.scopes is None:
        return asked
    reached = tuple(t for t in asked.types if allows(who.scopes, t, Interaction.SEARCH))
    return replace(asked, types=reached)


def _not_now(who: Caller, group_id: str) -> HttpResponse | None:
    """429 while an export of the caller's is being written; 404 for a group Coxa lacks."""
    if exporting.running_for(who.user):
        return operation_outcome(
            429,
            "an export of yours is still being written: wait for it, or DELETE it",
            headers={"Retry-After": RETRY_AFTER},
        )
    if group_id and group_id not in get_catalogue().procedures:
        groups = ", ".join(get_catalogue().procedures)
        return operation_outcome(404, f"no Group {group_id!r}: Coxa's groups are {groups}")
    return None


def _instant(export: BulkExport) -> str:
    return export.transaction_time.replace(microsecond=0).isoformat()


@reads_with_a_token(Op.FHIR_EXPORT)
def kick_off(request: HttpRequest, level: str, group_id: str = "") -> HttpResponse:
    if request.method != "GET":  # not even HEAD: a kick-off is not safe to repeat
        return operation_outcome(405, "start an export with GET", headers={"Allow": "GET"})
    who = caller(request, Op.FHIR_EXPORT)
    if isinstance(who, JsonResponse):
        return who
    not_now = _not_now(who, group_id)
    if not_now is not None:
        return not_now
    try:
        asked = bulk.parse_kickoff(
            bulk.Level(level),
            group_id,
            dict(request.GET.lists()),
            prefer=request.headers.get("Prefer", ""),
        )
    except CoxaError as error:
        return refused(request, who.user, error)
    asked = _within_scopes(asked, who, named="_type" in request.GET)
    beyond = out_of_scope(request, who, asked.types or bulk.EXPORTABLE, Interaction.SEARCH)
    if beyond is not None:
        return beyond
    export = services.start_export(
        actor=who.user, request=asked, url=request.build_absolute_uri(), task=export_records
    )
    status = f"{base_url(request)}$export-status/{export.public_id}"
    response = HttpResponse(status=202)
    response["Content-Location"] = status
    return response


def _running(job: BackgroundJob) -> HttpResponse:
    response = HttpResponse(status=202)
    response["X-Progress"] = bulk.progress(job.done, job.total, job.stage)
    response["Retry-After"] = RETRY_AFTER
    return response


def _state(request: HttpRequest, export: BulkExport) -> HttpResponse:
    """Running (202 and its progress), failed (an OperationOutcome), or its manifest."""
    job = export.job
    if job is None:  # the clean-up deleted its finished job days ago
        return operation_outcome(404, "this export is no longer kept: ask for a new one")
    if job.status in (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING):
        return _running(job)
    if job.status == BackgroundJob.Status.FAILED:  # the worker's error is in its log, not here
        return operation_outcome(500, "the export failed; ask for a new one")
    base = base_url(request)
    if not exporting.files_kept(export):
        return operation_outcome(404, "this export's files are no longer kept: ask for a new one")
    files = [
        (f.type, f"{base}$export-file/{export.public_id}/{f.name}", f.count)
        for f in exporting.files_of(export)
    ]
    body = bulk.manifest(transaction_time=_instant(export), request=export.request_url, files=files)
    response = answer(body)
    response["Content-Type"] = "application/json"  # the manifest is JSON, not a FHIR resource
    return response


@reads_with_a_token(Op.FHIR_EXPORT)
def export_status(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    who = caller(request, Op.FHIR_EXPORT)
    if isinstance(who, JsonResponse):
        return who
    user = who.user
    if request.method not in ("GET", "HEAD", "DELETE"):
        return operation_outcome(
            405, "poll with GET, or end with DELETE", headers={"Allow": "GET, DELETE"}
        )
    try:
        export = exporting.access_export(actor=user, export_id=export_id)
    except CoxaError as error:
        return refused(request, user, error)
    if request.method == "DELETE":
        services.delete_export(actor=user, export=export)
        return HttpResponse(status=202)
    return _state(request, export)


@reads_with_a_token(Op.FHIR_EXPORT)
@get_only
def export_file(request: HttpRequest, export_id: uuid.UUID, name: str) -> HttpResponse:
    who = caller(request, Op.FHIR_EXPORT)
    if isinstance(who, JsonResponse):
        return who
    user = who.user
    named = bulk.file_named(name)
    if named is not None:  # a file of a type the token's scopes reach (they may have narrowed)
        beyond = out_of_scope(request, who, [named[0]], Interaction.SEARCH)
        if beyond is not None:
            return beyond
    try:
        found = exporting.take_file(actor=user, export_id=export_id, name=name)
    except CoxaError as error:
        return refused(request, user, error)
    response = HttpResponse(bytes(found.data), content_type=bulk.NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return response
