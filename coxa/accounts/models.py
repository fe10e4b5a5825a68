"""User accounts (one model for staff and patients, told apart by role) and API tokens."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models

from coxa.accounts.domain import Role


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=[(r.value, r.label) for r in Role])
    # Made by `coxa demo` with a published password: refused unless COXA_DEBUG is on.
    is_demo = models.BooleanField(default=False)

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email", "role"]

    class Meta:
        ordering = ("username",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        )

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        try:
            return Role(self.role).label
        except ValueError:
            return self.role


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"token for {self.user.username} until {self.expires_at:%Y-%m-%d %H:%M}"


class SystemClient(models.Model):
    """A connected system: an EHR, a registry or a warehouse that calls Coxa by its own key.

    It authenticates with a JWT signed by a key of its JSON Web Key Set (held here, public
    keys only, or fetched from its URL), to get a SMART Backend Services access token at
    /oauth/token or, as a CDS Hooks client whose ``iss`` is ``cds_issuer``, to call the CDS
    service. It acts as its service account (role "connected-system", no password) and is
    granted at most the scopes it is registered for (ADR 0033).
    """

    client_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    account = models.OneToOneField(User, on_delete=models.PROTECT, related_name="system_client")
    jwks = models.JSONField(default=dict, blank=True)  # {"keys": [...]}, public members only
    jwks_url = models.URLField(max_length=500, blank=True)
    scopes = models.TextField(blank=True)  # space-separated system/ scopes, read and search
    # The EHR's `iss` in the JWTs it signs for CDS Hooks; blank: it does not call the service.
    cds_issuer = models.CharField(max_length=500, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name", "client_id")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SystemToken(models.Model):
    """A connected system's access token (5 minutes); only its SHA-256 is stored.

    Apart from ``ApiToken``, on purpose: a person's token opens the JSON API and carries no
    scopes; a system's opens only what its scopes allow, and ``user_for_token`` (the API's
    and the pages' way in) cannot find one here, whatever its value.
    """

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.TextField()  # as granted, space-separated
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"token for {self.client.client_id} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class UsedJwt(models.Model):
    """A signed JWT's id (jti) seen from a system, kept until the JWT expires: never twice."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="used_jwts")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("client", "jti"), name="jwt_id_once_per_system"),
        )

    def __str__(self) -> str:
        return f"{self.jti} of {self.client_id}"
