"""Shared persistence: the public-id base, the append-only audit record and its chain head."""

import secrets
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class PublicIdModel(models.Model):
    """A model whose identity outside the database is a UUID, never the sequential pk."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditRecordIsAppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditRecordIsAppendOnlyError("audit records cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditRecordIsAppendOnlyError("audit records cannot be deleted")


class AuditChainHeadQuerySet(models.QuerySet["AuditChainHead"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditRecordIsAppendOnlyError("the audit chain head cannot be deleted")


class AuditEvent(models.Model):
    """Who did what to which record, when, and why. Written once, never changed.

    ``patient_id`` is the patient's public UUID (not a foreign key: core knows no patients),
    so that every event about one patient can be found, and their timeline built, with one
    indexed read.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    via = models.CharField(max_length=16)
    details = models.JSONField(default=dict, blank=True)

    # The chain (coxa.core.audit_chain): the previous record's hash and this record's own.
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    objects: ClassVar[AuditQuerySet] = AuditQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        # Related lookups and Django's internals use the append-only manager too.
        base_manager_name = "objects"
        ordering = ("-at", "-id")
        indexes = (
            models.Index(fields=("patient_id", "-at"), name="audit_patient_at"),
            models.Index(fields=("action", "-at"), name="audit_action_at"),
            models.Index(fields=("actor", "-at"), name="audit_actor_at"),
        )

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditRecordIsAppendOnlyError("audit records cannot be changed")
        if not self.row_hash:
            raise AuditRecordIsAppendOnlyError(
                "audit records are written only by coxa.core.audit.record, which chains them"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditRecordIsAppendOnlyError("audit records cannot be deleted")


class AuditChainHead(models.Model):
    """The end of the audit chain: one row, the last record's id and hash, and their seal.

    ``record`` locks this row to append, so appends form one line; the seal (an HMAC over
    the id and hash) shows when records were cut off the end (coxa.core.audit_chain).
    """

    last_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    objects: ClassVar[AuditChainHeadQuerySet] = AuditChainHeadQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        base_manager_name = "objects"
        constraints = (models.CheckConstraint(condition=models.Q(id=1), name="audit_head_one_row"),)

    def __str__(self) -> str:
        return f"audit chain head at record {self.last_id}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditRecordIsAppendOnlyError("the audit chain head cannot be deleted")


class IdempotencyKey(models.Model):
    """A create request's key, remembered for a while so that sending it again makes nothing.

    Pages put a one-time key in each create form; API clients send ``Idempotency-Key``.
    The first request to claim a key does the work and stores where it led (``url``) or
    what it answered (``status`` and ``response``); a repeat gets that back instead of a
    second record (``coxa/core/idempotency.py``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)  # "api", or "page:<what the form creates>"
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64, blank=True)  # sha256 of the API request
    status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "scope", "key"), name="idempotency_key_once"),
        )

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class JobRun(models.Model):
    """When a scheduled job (``core.jobs.NIGHTLY``) last started, succeeded and failed.

    One row a job, written by the job itself (``jobs.recorded``); ``/healthz/ready`` fails
    when a nightly job's last success is older than the job allows.
    """

    name = models.CharField(max_length=64, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)  # why it last failed, briefly
    # The nightly slot it was last queued for (`coxa scheduler`, ``jobs.queue_due``).
    last_queued_for = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


def new_identity() -> str:
    return secrets.token_hex(8)


class DataVersion(models.Model):
    """How many transactions have changed Coxa's records: the data's version (one row).

    Every service's transaction (``audit.atomic()`` with something recorded) adds one before
    it commits, so a result computed from the records (an analytics page) is cached under the
    version it read and is not served once a record changed (ADR 0028, H84).
    """

    version = models.BigIntegerField(default=0)
    # This database's own name, drawn when its row is made: a database made again counts
    # from 0 again, and a kept cache (files, Redis) must not take it for the old one.
    identity = models.CharField(max_length=32, default=new_identity)

    class Meta:
        constraints = (
            models.CheckConstraint(condition=models.Q(id=1), name="data_version_one_row"),
        )

    def __str__(self) -> str:
        return f"data version {self.version}"


class BackgroundJob(models.Model):
    """A piece of work a person asked for that runs as a background task, and its progress.

    ``key`` names the result it makes (the same request twice shares one job: at most one
    open job a key); ``done`` of ``total`` steps, with ``stage`` in words, is what the page
    shows while it runs. A running job whose row has not moved for ``COXA_TASK_STALE_MINUTES``
    is taken as lost (its worker died), and so is a queued one whose task ended, or left the
    queue, before any worker took the job (``task_id``); a new one may then start.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=64)  # the SHA-256 of the result's cache key
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=1)
    stage = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Its task's id in the database queue (django-tasks-db's result); empty for a job queued
    # before it was recorded, or on another backend (the tests' backend runs its task at once).
    task_id = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=("key", "-created_at"), name="background_job_key"),)
        constraints = (
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="background_job_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")),
                name="background_job_done_within_total",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"


class JobFile(models.Model):
    """What a background job made for the person who asked (a PDF of letters), kept briefly.

    In the database, not under ``COXA_VAR_DIR``: the worker that makes it and the web process
    that serves it may run on different machines. ``details`` is what the job's page says of
    it (how many letters and pages, the hips left out and why). Never served once
    ``expires_at`` has passed (``COXA_JOB_FILE_HOURS`` after it was made): it is deleted when
    next asked for, or when any job keeps a new file (``core.background``; ADR 0028).
    """

    job = models.OneToOneField(BackgroundJob, on_delete=models.CASCADE, related_name="file")
    name = models.CharField(max_length=120)  # the file's name as downloaded
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes)"
