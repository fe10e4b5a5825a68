"""Pages for signing in, administering users and reading the audit log."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts import selectors, services
from coxa.accounts.domain import Capability, is_staff_role
from coxa.accounts.forms import AuditFilterForm, PasswordForm, UserCreateForm, UserEditForm
from coxa.accounts.models import User
from coxa.core import audit
from coxa.core.errors import CoxaError
from coxa.core.web import add_problems, page, page_number, query_without_page

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by @page (login_required)
    return request.user


@page
def after_login(request: HttpRequest) -> HttpResponse:
    """Send staff to their workspace and patients to their records."""
    return redirect("staff-home" if is_staff_role(_user(request).role) else "portal:home")


@page
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.list_users(
        by=_user(request), q=request.GET.get("q", "").strip(), role=request.GET.get("role", "")
    )
    return render(
        request, "accounts/user_list.html", {"users": users, "q": request.GET.get("q", "")}
    )


@page
def user_create(request: HttpRequest) -> HttpResponse:
    by = _user(request)
    selectors.require(by, Capability.MANAGE_USERS)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_user(by=by, **form.cleaned_data)
        except CoxaError as error:
            add_problems(form, error)
        else:
            messages.success(request, f"Account {created.username} created.")
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "title": "New user"})


@page
def user_edit(request: HttpRequest, username: str) -> HttpResponse:
    by = _user(request)
    target = selectors.get_user(by=by, username=username)
    initial = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "role": target.role,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    password_form = PasswordForm(request.POST if "password" in request.POST else None)
    if request.method == "POST":
        try:
            if "password" in request.POST:
                if password_form.is_valid():
                    services.set_password(
                        user=target, password=password_form.cleaned_data["password"], by=by
                    )
                    messages.success(request, f"Password set for {target.username}.")
                    return redirect("accounts:users")
                form = UserEditForm(initial=initial)
            elif form.is_valid():
                services.update_user(user=target, by=by, **form.cleaned_data)
                messages.success(request, f"Account {target.username} updated.")
                return redirect("accounts:users")
        except CoxaError as error:
            add_problems(password_form if "password" in request.POST else form, error)
    return render(
        request,
        "accounts/user_edit.html",
        {"form": form, "password_form": password_form, "target": target},
    )


@page
def audit_log(request: HttpRequest) -> HttpResponse:
    by = _user(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(
        by=by,
        actor=filters.get("actor", ""),
        action=filters.get("action", ""),
        patient_id=filters.get("patient"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    number = page_number(request)
    shown = list(events[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    audit.record(
        actor=by,
        action="audit.search",
        object_type="audit",
        summary="Read the audit log",
        details={k: str(v) for k, v in filters.items() if v},
    )
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "events": shown[:PAGE_SIZE],
            "page_number": number,
            "has_next": len(shown) > PAGE_SIZE,
            "query_string": query_without_page(request),
        },
    )
