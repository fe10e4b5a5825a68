"""Persistence for episodes of care and their state history."""

import datetime as dt

from django.conf import settings
from django.db import models

from coxa.catalogue.registry import get_procedure
from coxa.core.models import PublicIdModel
from coxa.pathways.domain import CLOSED_STATES, EpisodeState, Side
from coxa.patients.models import Patient

# Undated episodes sort after every dated one.
UNDATED = dt.date(9999, 12, 31)


class Episode(PublicIdModel):
    """One hip's episode of care (FHIR EpisodeOfCare). Both hips means two episodes."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    side = models.CharField(max_length=8, choices=[(s.value, s.value.title()) for s in Side])
    procedure = models.CharField(max_length=40)
    state = models.CharField(
        max_length=16, choices=[(s.value, s.label) for s in EpisodeState], db_index=True
    )
    referred_on = models.DateField()
    state_changed_at = models.DateTimeField()
    operation_on = models.DateField(null=True, blank=True)  # the planned operation date
    # operation_on, or UNDATED: a plain column so that worklists ordered by operation date
    # walk an index on SQLite and PostgreSQL alike (NULLS LAST and bound expressions cannot).
    operation_sort_on = models.DateField(default=UNDATED, editable=False)
    # The day the hip's booking names (surgery's Booking.operation_on), kept here by the
    # booking and signing steps (set_operation_date) so that "booked, but no longer scheduled"
    # walks an index of this table (state, day) instead of every future booking; null until
    # booked. operation_on may move away from it once a hip is moved back and re-planned.
    booked_on = models.DateField(null=True, blank=True, editable=False)
    # Provenance: the catalogue this episode was started on; a later catalogue never
    # rewrites what this episode was planned under.
    catalogue_version = models.CharField(max_length=40)
    catalogue_hash = models.CharField(max_length=64)
    converted_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="converted_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-state_changed_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(side__in=[s.value for s in Side]), name="episode_side_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in EpisodeState]),
                name="episode_state_known",
            ),
            models.UniqueConstraint(
                fields=("patient", "side"),
                condition=~models.Q(state__in=sorted(s.value for s in CLOSED_STATES)),
                name="one_open_episode_per_hip",
            ),
        )
        indexes = (
            models.Index(
                fields=("state", "-state_changed_at", "-id"), name="episode_state_changed"
            ),
            models.Index(fields=("-state_changed_at", "-id"), name="episode_changed"),
            models.Index(fields=("referred_on", "id"), name="episode_referred"),
            models.Index(fields=("operation_sort_on", "id"), name="episode_operation_order"),
            models.Index(
                fields=("state", "operation_sort_on", "id"), name="episode_state_operation"
            ),
            # Booked hips by state and day (surgery's not-ready list, split by state).
            models.Index(
                fields=("state", "booked_on", "id"),
                condition=models.Q(booked_on__isnull=False),
                name="episode_state_booked",
            ),
            # The few converted hips: SQLite's statistics count the unique index's NULLs as
            # one value matching every row, so it scanned the table to find a page's
            # conversions (25 ms at 150,000 hips); this index holds only the rows that have one.
            models.Index(
                fields=("converted_from",),
                condition=models.Q(converted_from__isnull=False),
                name="episode_converted_from",
            ),
        )

    def __str__(self) -> str:
        return f"{self.side} {self.procedure} ({self.state})"

    @property
    def state_enum(self) -> EpisodeState:
        return EpisodeState(self.state)

    @property
    def state_label(self) -> str:
        return self.state_enum.label

    @property
    def procedure_title(self) -> str:
        found = get_procedure(self.procedure)
        return found.title if found else self.procedure


class EpisodeTransition(models.Model):
    """One move of an episode from one state to another: who, when and why."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=16, blank=True)  # blank for the opening entry
    to_state = models.CharField(max_length=16)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    is_backward = models.BooleanField(default=False)

    class Meta:
        ordering = ("at", "id")
        indexes = (models.Index(fields=("episode", "at", "id"), name="transition_episode_at"),)

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} -> {self.to_state}"

    @property
    def from_label(self) -> str:
        return EpisodeState(self.from_state).label if self.from_state else ""

    @property
    def to_label(self) -> str:
        return EpisodeState(self.to_state).label
