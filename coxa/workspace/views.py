"""The staff's home page (/staff/): what needs this person today, by role (ADR 0025)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import is_staff_role
from coxa.accounts.permissions import Op
from coxa.core.audit import Via
from coxa.workspace.selectors.home import home_of


@page(Op.PAGE_STAFF_HOME)
def home(request: HttpRequest) -> HttpResponse:
    """Each role's lists, each item one click from its task; then the episodes by state."""
    user = user_of(request)
    if not is_staff_role(user.role):
        return redirect("portal:home")
    return render(request, "workspace/home.html", {"home": home_of(actor=user, via=Via.WEB)})
