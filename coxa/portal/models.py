"""The portal's one table: invitations, the one-time links that give a patient an account."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from coxa.core.models import PublicIdModel
from coxa.patients.models import Patient


class PortalInvitation(PublicIdModel):
    """A one-time link that lets one patient set a password and so make their portal account.

    Only the SHA-256 of the token is kept: the token itself is emailed to the patient (or
    printed by ``coxa invite_patient`` to be given by hand). It works until ``expires_at``,
    once (``used_at``, naming the ``account`` it made), unless a newer invitation for the
    same patient revoked it (``revoked_at``): a patient has at most one open invitation.
    ``sent_to`` is the address it was for; ``emailed_at`` says the email actually went.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.CharField(max_length=254, blank=True)  # "" when given by hand
    # When the mailer took the email; None while it has not (it failed, or it is by hand).
    emailed_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-issued_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="portal_one_open_invitation_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(account__isnull=False),
                name="portal_used_invitation_names_its_account",
            ),
        ]

    def __str__(self) -> str:
        return f"portal invitation {self.public_id}"
