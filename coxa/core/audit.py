"""Writing audit records: the one call every service and access check makes.

Reads are audited too: every permission-checked fetch of a patient's data calls
``record`` with an ``*.view`` action. Writes call it inside the same transaction as the
change they describe, so a change and its record stand or fall together.
"""

import uuid
from enum import StrEnum
from typing import Any, Protocol

from coxa.core import clock
from coxa.core.models import AuditEvent


class Via(StrEnum):
    """The interface an action came through."""

    WEB = "web"
    API = "api"
    CLI = "cli"


class Actor(Protocol):
    """What the audit needs to know of whoever acts (a user, or a system job)."""

    pk: Any
    role: str

    def get_username(self) -> str: ...


READ_SUFFIXES = (".view", ".list", ".search")


def record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | uuid.UUID = "",
    patient_id: uuid.UUID | None = None,
    summary: str = "",
    reason: str = "",
    via: Via = Via.WEB,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit record. ``actor`` None means Coxa itself (a scheduled job)."""
    return AuditEvent.objects.create(
        at=clock.now(),
        actor_id=None if actor is None else actor.pk,
        actor_username="coxa" if actor is None else actor.get_username(),
        actor_role="system" if actor is None else actor.role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        summary=summary[:300],
        reason=reason,
        via=str(via),
        details=details or {},
    )


def is_read(action: str) -> bool:
    """Tell a read (view, list, search) from a change."""
    return action.endswith(READ_SUFFIXES)
