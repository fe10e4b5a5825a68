"""Deploy checks of Coxa's own settings (`coxa check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def audit_key_is_its_own(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain's key should not be the secret key (ADR 0011)."""
    if settings.AUDIT_CHAIN_KEY != settings.SECRET_KEY:
        return []
    return [
        Warning(
            "COXA_AUDIT_KEY is not set, so the audit chain is keyed by the secret key.",
            hint=(
                "Set COXA_AUDIT_KEY (or COXA_AUDIT_KEY_FILE) to a key of its own, kept from "
                "whoever holds the database; see docs/security.md."
            ),
            id="coxa.W001",
        )
    ]
