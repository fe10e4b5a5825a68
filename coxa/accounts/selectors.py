"""Reads for accounts and for the audit log."""

import datetime as dt
import uuid

from django.db.models import QuerySet

from coxa.accounts.domain import Capability, can
from coxa.accounts.models import User
from coxa.core import audit
from coxa.core.errors import ErrorCode, Forbidden, NotFound
from coxa.core.models import AuditEvent


def require(user: User, capability: Capability) -> None:
    """Stop with 403 unless the user's role has the capability."""
    if not can(user.role, capability):
        raise Forbidden(
            ErrorCode.FORBIDDEN,
            f"the {user.role_label.lower()} role may not do this ({capability})",
        )


def list_users(*, by: User, q: str = "", role: str = "") -> QuerySet[User]:
    require(by, Capability.MANAGE_USERS)
    users = User.objects.all().order_by("username")
    if q:
        users = users.filter(username__icontains=q) | users.filter(last_name__icontains=q)
    if role:
        users = users.filter(role=role)
    return users


def get_user(*, by: User, username: str) -> User:
    require(by, Capability.MANAGE_USERS)
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(ErrorCode.NOT_FOUND, "no such user") from None


def audit_events(
    *,
    by: User,
    actor: str = "",
    action: str = "",
    patient_id: uuid.UUID | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    via: audit.Via = audit.Via.WEB,
) -> QuerySet[AuditEvent]:
    """Audit records, newest first, for administrators; filters combine (the search is recorded)."""
    require(by, Capability.VIEW_AUDIT)
    filters = {
        "actor": actor,
        "action": action,
        "patient": patient_id,
        "date_from": date_from,
        "date_to": date_to,
    }
    audit.record(
        actor=by,
        action="audit.search",
        object_type="audit",
        summary="Read the audit log",
        via=via,
        details={k: str(v) for k, v in filters.items() if v},
    )
    events = AuditEvent.objects.all().order_by("-at", "-id")
    if actor:
        events = events.filter(actor_username=actor)
    if action:
        events = events.filter(action__startswith=action)
    if patient_id:
        events = events.filter(patient_id=patient_id)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events
