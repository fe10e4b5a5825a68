"""The bulk export, run by `coxa worker` (never inside a web request).

Patients are read ``CHUNK`` at a time in key order, each type's resources shaped and checked
as the API's are, and written as NDJSON files of at most ``PART_BYTES`` each: what is held in
memory is one chunk's rows and one part's lines, however many patients.
"""

import json

from django_tasks import task

from coxa.core import background, clock, jobs
from coxa.interop.documents.resources import shape
from coxa.interop.models import BulkExport, ExportFile
from coxa.interop.selectors import export as exporting
from coxa.interop.services.export import keep_part

CHUNK = 500  # patients read at once
PART_BYTES = 8 * 1024 * 1024  # one file's most


@task()
def export_records(job_id: str, export_id: str) -> int:
    """Write the export's files; how many resources it wrote."""
    if not background.claim(job_id):  # replaced meanwhile
        return 0
    with background.running(job_id):
        export = BulkExport.objects.get(public_id=export_id)
        return write(export, job_id)


def write(export: BulkExport, job_id: str) -> int:
    patients = exporting.patients_of(export).count()
    steps = max(1, len(export.types) * -(-patients // CHUNK))
    done = written = 0
    for type_ in export.types:
        part, lines, size = 1, [], 0
        for keys in exporting.chunks(export, CHUNK):
            for resource in shape(type_, exporting.rows(type_, keys, export.since)):
                line = json.dumps(resource, separators=(",", ":"), ensure_ascii=False).encode()
                lines.append(line + b"\n")
                size += len(line) + 1
                if size >= PART_BYTES:
                    keep_part(export, type_=type_, part=part, lines=lines)
                    written += len(lines)
                    part, lines, size = part + 1, [], 0
            done += 1
            background.progress(job_id, done, steps, type_)
        if lines:
            keep_part(export, type_=type_, part=part, lines=lines)
            written += len(lines)
    return written


@task()
def clean_up_exports() -> dict[str, int]:
    """Delete bulk export files past their time (``COXA_JOB_FILE_HOURS``); a recorded run.

    Queued nightly by `coxa scheduler` (with the other clean-up); `coxa clean_up_exports`
    runs the same here and now. A file is never served past its time either way.
    """
    with jobs.recorded("clean_up_exports"):
        deleted, _ = ExportFile.objects.filter(expires_at__lte=clock.now()).delete()
    return {"files": deleted}
