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
