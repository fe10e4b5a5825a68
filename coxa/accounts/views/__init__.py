"""Pages for signing in, administering users and reading the audit log."""

import urllib.parse
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from coxa.accounts import selectors, services
from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can, is_staff_role
from coxa.accounts.forms import (
    AuditFilterForm,
    CodeForm,
    PasswordForm,
    UserCreateForm,
    UserEditForm,
)
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.services import otp, signin
from coxa.core.audit import Via
from coxa.core.errors import NotAuthenticated
from coxa.core.forms import status_of, submit
from coxa.core.pagination import page_request
from coxa.core.web import error_response, is_api, page_number, query_without_page
from coxa.core.worklists import PAGE_SIZE, WorklistPage

# The audit log's filter, kept in the session: it is posted, so no id is ever in a URL.
AUDIT_FILTER_KEY = "accounts.audit-filter"


@page(Op.PAGE_WELCOME)
def after_login(request: HttpRequest) -> HttpResponse:
    """Send staff to their workspace and patients to their records."""
    return redirect("staff-home" if is_staff_role(user_of(request).role) else "portal:home")


@page(Op.PAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.list_users(
        by=user_of(request), q=request.GET.get("q", "").strip(), role=request.GET.get("role", "")
    )
    return render(
        request, "accounts/user_list.html", {"users": users, "q": request.GET.get("q", "")}
    )


@page(Op.PAGE_USERS)
def user_create(request: HttpRequest) -> HttpResponse:
    by = user_of(request)
    selectors.require(by, Capability.MANAGE_USERS)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        created = submit(form, dict, lambda data: services.create_user(by=by, **data))
        if created is not None:
            messages.success(request, f"Account {created.username} created.")
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": "New user"},
        status=status_of(form),
    )


@page(Op.PAGE_USERS)
def user_edit(request: HttpRequest, username: str) -> HttpResponse:
    by = user_of(request)
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
    if request.method == "POST" and "password" in request.POST:
        form = UserEditForm(initial=initial)
        submit(
            password_form,
            lambda data: data["password"],
            lambda password: services.set_password(user=target, password=password, by=by),
        )
        if not password_form.errors:  # set: nothing was placed on the form
            messages.success(request, f"Password set for {target.username}.")
            return redirect("accounts:users")
    elif request.method == "POST":
        updated = submit(form, dict, lambda data: services.update_user(user=target, by=by, **data))
        if updated is not None:
            messages.success(request, f"Account {target.username} updated.")
            return redirect("accounts:users")
    return render(
        request,
        "accounts/user_edit.html",
        {"form": form, "password_form": password_form, "target": target},
        status=status_of(form, password_form),
    )


@page(Op.PAGE_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Post, redirect, get: the search is kept in the session, never in the address."""
    by = user_of(request)
    people = selectors.audit_people(by=by)
    if request.method == "POST":
        form = AuditFilterForm(request.POST, people=people)
        if form.is_valid():
            chosen, _ = _patient_of(form, by, search=True)
            if form.is_valid():  # the patient was found (one, or several to choose from)
                kept = form.stored()
                kept["patient_id"] = str(chosen.public_id) if chosen else ""
                if chosen and not kept["patient"]:  # chosen by record: the box shows a number
                    kept["patient"] = chosen.nhs_number or chosen.hospital_number
                request.session[AUDIT_FILTER_KEY] = kept
                return redirect("accounts:audit")
        return _audit_page(request, form, None, None, None)
    # ?patient=<id>&actor=... (old links) is still answered; no page of Coxa's makes one.
    given = {k: v for k, v in request.GET.items() if k in AuditFilterForm.base_fields}
    form = AuditFilterForm(given or request.session.get(AUDIT_FILTER_KEY) or {}, people=people)
    if not form.is_valid():
        return _audit_page(request, form, None, None, None)
    chosen, matches = _patient_of(form, by, search=False)
    if not form.is_valid() or (matches is not None and chosen is None):
        return _audit_page(request, form, chosen, matches, None)  # a problem, or a choice
    data = form.cleaned_data
    query = selectors.AuditQuery(
        actor=data["actor"],
        action=data["action"],
        patient_id=chosen.public_id if chosen else None,
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    page_asked = page_request(page_number(request), PAGE_SIZE)
    events = selectors.audit_events(by=by, query=query, page=page_asked, via=Via.WEB)
    return _audit_page(request, form, chosen, matches, events)


def _patient_of(
    form: AuditFilterForm, by: User, *, search: bool
) -> tuple[selectors.PatientShown | None, selectors.PatientMatches | None]:
    """The patient a search names, and the matches when there are several to choose from.

    A patient chosen by record id is taken as it is, unless a new query is posted (then it
    stands only if the query finds it too). No match, or no such record, is an error on the
    field; several with none chosen are listed, and no records are shown: patients' logs are
    never merged.
    """
    typed, picked = form.cleaned_data["patient"], form.cleaned_data["patient_id"]
    if picked and not (typed and search):
        shown = selectors.patient_by_id(by=by, patient_id=picked)
        if shown is None:
            form.add_error("patient", "No patient has this record: search by name or number.")
        return shown, None
    if not typed:
        return None, None
    matches = selectors.find_patients(by=by, q=typed, via=Via.WEB)
    if matches.count == 0:
        form.add_error(
            "patient",
            "No patient matches: check the spelling, or search by NHS or hospital number.",
        )
        return None, None
    if matches.count == 1:
        return matches.patients[0], None
    return next((p for p in matches.patients if p.public_id == picked), None), matches


def _audit_page(
    request: HttpRequest,
    form: AuditFilterForm,
    chosen: selectors.PatientShown | None,
    matches: selectors.PatientMatches | None,
    events: WorklistPage[selectors.AuditRow] | None,
) -> HttpResponse:
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "chosen": chosen,
            "matches": matches,
            "found": events,
            "events": events.rows if events else None,
            "may_see_patients": can(user_of(request).role, Capability.VIEW_PATIENTS),
            "page_number": events.number if events else 1,
            "has_next": bool(events and events.has_next),
            "query_string": query_without_page(request),
        },
        status=status_of(form),
    )


# ------------------------------------------------------------------ signing in
# Between a right password and its code: who, by which backend, and until when (5 minutes).
PENDING_KEY = "accounts.pending-sign-in"
PENDING_SECONDS = 300


class SignIn(LoginView):
    """Username and password; a user with a second factor is then asked for its code."""

    def form_valid(self, form: Form) -> HttpResponse:
        user = form.get_user()  # type: ignore[attr-defined]
        if otp.confirmed_device(user) is None:
            return super().form_valid(form)  # type: ignore[arg-type]
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "until": timezone.now().timestamp() + PENDING_SECONDS,
        }
        query = urllib.parse.urlencode({"next": self.get_success_url()})
        return redirect(f"{reverse('login-code')}?{query}")


def _pending(request: HttpRequest) -> tuple[User, str] | None:
    pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
    if not pending or pending["until"] < timezone.now().timestamp():
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return None if user is None else (user, pending["backend"])


def _next(request: HttpRequest) -> str:
    wanted = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the user's authenticator app."""
    pending = _pending(request)
    if pending is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    user, backend = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = signin.check_second_factor(request, user, form.cleaned_data["code"])
        except signin.LockedOut:
            request.session.pop(PENDING_KEY, None)
            return locked_out(request, None, {"username": user.username})
        except NotAuthenticated as error:
            form.add_error("code", error.message)
        else:
            request.session.pop(PENDING_KEY, None)
            user.otp_device = device  # type: ignore[attr-defined] # django-otp keeps it
            auth_login(request, user, backend=backend)
            return redirect(_next(request))
    return render(request, "registration/login_code.html", {"form": form})


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """What a locked-out sign-in is answered (AXES_LOCKOUT_CALLABLE): 429 and Retry-After.

    429 (not 403): the refusal is about the rate of attempts and ends by itself; Retry-After
    says when. The API answers in Coxa's error shape; the form, a page in plain English.
    """
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    error = signin.locked_out_error(request, username)
    headers = {"Retry-After": str(error.retry_after)}
    if is_api(request):
        return error_response(429, error.problems, headers)
    minutes = max(1, -(-error.retry_after // 60))
    answer = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    answer["Retry-After"] = headers["Retry-After"]
    return answer


@never_cache
@page(Op.PAGE_TWO_FACTOR)
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up, confirm or remove one's authenticator app (staff only)."""
    user = user_of(request)
    action = request.POST.get("action", "")
    # A refused start (already set up) is shown on the form too, so it is always bound on a post.
    form = CodeForm(request.POST if request.method == "POST" else None)
    if action == "start":
        form.fields["code"].required = False
        if submit(form, dict, lambda _: otp.start_enrolment(user=user)) is not None:
            return redirect("two-factor")
    elif action == "confirm":
        device = submit(
            form, dict, lambda data: otp.confirm_enrolment(user=user, code=data["code"])
        )
        if device is not None:
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(settings.LOGIN_REDIRECT_URL)
    elif action == "remove":
        submit(form, dict, lambda data: otp.remove_device(user=user, by=user, code=data["code"]))
        if not form.errors:  # removed: nothing was placed on the form
            messages.success(request, "Your authenticator app is removed.")
            return redirect("two-factor")
    device = otp.confirmed_device(user)
    pending = None if device is not None else otp.pending_device(user)
    context = {
        "form": form,
        "device": device,
        "pending": pending,
        "required": otp.required_for(user),
        "secret": otp.secret_of(pending) if pending else "",
        "uri": otp.uri_of(pending) if pending else "",
        "qr": otp.qr_svg(pending) if pending else "",
    }
    return render(request, "accounts/two_factor.html", context, status=status_of(form))
