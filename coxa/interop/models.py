"""A bulk export a system asked for, and the files it made (FHIR Bulk Data Access).

In the database, as a background job's files are (``core.JobFile``): the worker that writes
them and the web process that serves them may be on different machines. Each file is one
part of one type, at most ``interop.tasks.PART_BYTES`` of NDJSON, so memory stays flat
however many patients; files are kept for ``COXA_JOB_FILE_HOURS`` and deleted with the
export (DELETE on its status) or when their time has passed.
"""

import uuid

from django.conf import settings
from django.db import models

from coxa.core.models import BackgroundJob


class BulkExport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.OneToOneField(
        BackgroundJob, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=16)  # domain.export.Level
    group = models.CharField(max_length=40, blank=True)  # a procedure's code (group level)
    types = models.JSONField()  # the resource types asked for, in the table's order
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    transaction_time = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"FHIR export {self.public_id} ({self.level})"


class ExportFile(models.Model):
    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    type = models.CharField(max_length=40)
    part = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("export", "id")
        constraints = (
            models.UniqueConstraint(fields=("export", "type", "part"), name="export_file_once"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.count} resources)"

    @property
    def name(self) -> str:
        return f"{self.type}-{self.part}.ndjson"
