"""Template context: what the signed-in user's role may do, for menus and the forms offered.

``caps`` names the role's capabilities; ``allowed`` answers from the permission table, by an
operation's name, whether the role may call it: ``{% if allowed.PAGE_NOTE %}`` offers the
addendum only to a role the table admits to its route (``@page(Op.PAGE_NOTE)``), so a form
is never offered to someone it would refuse. A name that is no operation is an error, never a
silent "no" (a typo would hide a form from everyone).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from django.http import HttpRequest

from coxa.accounts.domain import Capability, can, is_staff_role
from coxa.accounts.permissions import Op, admits


class UnknownOperation(Exception):  # not a KeyError: a template would hide it
    """A template asked ``allowed`` about a name that is no ``Op``."""


class Allowed(Mapping[str, bool]):
    """``allowed.PAGE_X``: whether the permission table admits the role to ``Op.PAGE_X``."""

    def __init__(self, role: str | None) -> None:
        self.role = role

    def __getitem__(self, name: str) -> bool:
        try:
            op = Op[name]
        except KeyError:
            raise UnknownOperation(f"{name} is not an operation of the permission table") from None
        return self.role is not None and admits(op, self.role)

    def __iter__(self) -> Iterator[str]:
        return iter(Op.__members__)

    def __len__(self) -> int:
        return len(Op)


def role(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"caps": frozenset(), "is_staff_user": False, "allowed": Allowed(None)}
    user_role = getattr(user, "role", "")
    return {
        "caps": frozenset(c.value for c in Capability if can(user_role, c)),
        "is_staff_user": is_staff_role(user_role),
        "allowed": Allowed(user_role),
    }
