"""Template context: what the signed-in user's role may do, for menus."""

from typing import Any

from django.http import HttpRequest

from coxa.accounts.domain import Capability, can, is_staff_role


def role(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"caps": frozenset(), "is_staff_user": False}
    user_role = getattr(user, "role", "")
    return {
        "caps": frozenset(c.value for c in Capability if can(user_role, c)),
        "is_staff_user": is_staff_role(user_role),
    }
