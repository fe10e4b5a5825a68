"""Persistence for consultation requests and the team's changes of their status."""

from django.conf import settings
from django.db import models

from coxa.catalogue.registry import get_procedure
from coxa.core.models import PublicIdModel
from coxa.enquiries.domain import (
    EMAIL_MAX,
    NAME_LONGEST,
    NOT_SURE,
    PHONE_MAX,
    Limit,
    Status,
)
from coxa.pathways.models import Episode
from coxa.patients.models import Patient


class Enquiry(PublicIdModel):
    """A consultation request from the public form. Never deleted: marked, and kept."""

    name = models.CharField(max_length=NAME_LONGEST)
    email = models.CharField(max_length=EMAIL_MAX)
    # The address folded (domain.email_key), for the limit per address.
    email_key = models.CharField(max_length=EMAIL_MAX, editable=False)
    procedure = models.CharField(max_length=40)  # a catalogue code, or NOT_SURE
    phone = models.CharField(max_length=PHONE_MAX, blank=True)
    message = models.TextField(blank=True)
    consent = models.BooleanField()  # to be contacted about the request
    received_at = models.DateTimeField()
    client = models.CharField(max_length=45, blank=True)  # the network address it came from
    # The hidden field was filled: likely sent by a program, not a person (no email sent).
    automated = models.BooleanField(default=False)
    # Over a limit (domain.Limit): kept and shown to the team, but no email sent.
    over_limit = models.CharField(
        max_length=8, blank=True, choices=[(lim.value, lim.label) for lim in Limit]
    )
    # The form's one-time key: the same form sent twice is one request.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # the confirmation was sent
    status = models.CharField(
        max_length=12, choices=[(s.value, s.label) for s in Status], default=Status.NEW.value
    )
    status_changed_at = models.DateTimeField()
    # Once booked: the patient it became (new or already registered) and the referral.
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="enquiry_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(over_limit__in=["", *(lim.value for lim in Limit)]),
                name="enquiry_limit_known",
            ),
        )
        indexes = (
            models.Index(fields=("-received_at", "-id"), name="enquiry_newest"),
            models.Index(fields=("status", "-received_at", "-id"), name="enquiry_status_newest"),
            models.Index(fields=("email_key", "received_at"), name="enquiry_address_at"),
            models.Index(fields=("client", "received_at"), name="enquiry_client_at"),
        )

    def __str__(self) -> str:
        return f"Consultation request {self.public_id}"

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def is_booked(self) -> bool:
        return self.status == Status.BOOKED

    @property
    def procedure_label(self) -> str:
        if self.procedure == NOT_SURE:
            return "Not sure yet"
        found = get_procedure(self.procedure)
        return found.title if found is not None else self.procedure

    @property
    def marks(self) -> tuple[str, ...]:
        """What the team should know before trusting the request, in words."""
        found = []
        if self.automated:
            found.append("Likely automated: the hidden field was filled")
        if self.over_limit:
            found.append(Limit(self.over_limit).label)
        if self.emailed_at is None:
            found.append("No confirmation email sent")
        return tuple(found)


class StatusChange(models.Model):
    """One change of a request's status, by whom and why (the note is optional)."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="changes")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"

    @property
    def to_label(self) -> str:
        return Status(self.to_status).label
