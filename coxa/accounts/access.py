"""The guard every page and API operation passes first: it reads the permission table.

``@page(Op.X)`` on a view and ``auth=allow(Op.X)`` on an API route (``api_access``) bind the
route to its row in ``permissions.TABLE``. A role the row does not admit is refused with 403
before the view or the body's validation runs, and the refusal is audited; so are refusals
raised deeper (a patient asking for another patient's record). Anonymous callers get the
login page or 401. ``operation_of`` tells the generated permission test which row a route is
bound to.
"""

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.permissions import TABLE, Op, admits
from coxa.core import audit
from coxa.core.errors import ErrorCode, Forbidden, NotAuthenticated
from coxa.core.forms import REFUSED_FORM
from coxa.core.idempotency import FIELD as SUBMISSION_KEY
from coxa.core.web import page as _signed_in_page
from coxa.core.web import record_refusal

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
PageView = TypeVar("PageView", bound=Callable[..., HttpResponse])
OPERATIONS_ATTRIBUTE = "coxa_operations"
POST_ONLY_ATTRIBUTE = "coxa_post_only"  # a service called by POST (the CDS service)
BEARER_GET_ATTRIBUTE = "coxa_bearer_get"  # read with a bearer token alone (the FHIR API)


def refusal(op: Op | str, user: User) -> Forbidden:
    return Forbidden(
        ErrorCode.FORBIDDEN, f"the {user.role_label.lower()} role may not do this ({op})"
    )


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a page that ``@page`` guards (the one way pages get their user)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated(ErrorCode.NOT_AUTHENTICATED, "sign in first")
    return user


def _check(op: Op, user: User) -> None:
    if not admits(op, user.role):
        raise refusal(op, user)


# ------------------------------------------------------------------ pages
def page(op: Op, *, post: Op | None = None) -> Callable[[PageView], PageView]:
    """Bind a page to its row(s): ``op`` for reading it, ``post`` (if given) for submitting."""

    def decorate(view: PageView) -> PageView:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)  # noqa: S101 - signed in: login_required runs first
            submitting = request.method == "POST"
            bound = post if post is not None and submitting else op
            try:
                _check(bound, user)
                return view(request, *args, **kwargs)
            except Forbidden as error:
                if not submitting:
                    raise  # a page the role may not open: the 403 page, from core.web.page
                # A refused submission: 403 still, audited, on a page that says why in
                # words and keeps what was typed (nothing was stored).
                record_refusal(user, error, path=request.path, via=audit.Via.WEB)
                context = {"refused": refused_submission(request, bound, user, error)}
                return render(request, "403.html", context, status=403)

        wrapped = _signed_in_page(guarded)
        setattr(wrapped, OPERATIONS_ATTRIBUTE, (op,) if post is None else (op, post))
        return wrapped  # type: ignore[return-value]

    return decorate


def public(op: Op) -> Callable[[View], View]:
    """Mark a view anyone may open (the table must say so)."""
    if not TABLE[op].public:
        raise ValueError(f"{op} is not public in the permission table")

    def decorate(view: View) -> View:
        setattr(view, OPERATIONS_ATTRIBUTE, (op,))
        return view

    return decorate


def guards_itself(op: Op) -> Callable[[View], View]:
    """Mark a view that authenticates its own way (the CDS service) and checks ``op`` itself."""

    def decorate(view: View) -> View:
        setattr(view, OPERATIONS_ATTRIBUTE, (op,))
        setattr(view, POST_ONLY_ATTRIBUTE, True)
        return view

    return decorate


def reads_with_a_token(op: Op) -> Callable[[View], View]:
    """Mark a view read by GET with a bearer token, that checks ``op`` itself (the FHIR API)."""

    def decorate(view: View) -> View:
        setattr(view, OPERATIONS_ATTRIBUTE, (op,))
        setattr(view, BEARER_GET_ATTRIBUTE, True)
        return view

    return decorate


def admit(op: Op, user: User) -> None:
    """Raise Forbidden unless the table admits the user's role to ``op``."""
    _check(op, user)


def operation_of(view: Callable[..., Any]) -> tuple[Op, ...] | None:
    return getattr(view, OPERATIONS_ATTRIBUTE, None)


# ------------------------------------------------------------------ a refused submission
# What each form does, in words, by the route it posts to ("may not <this>").
DOES: dict[str, str] = {
    "pathways:episode": "move a hip to another state",
    "pathways:open-episode": "open an episode",
    "patients:create": "register a patient",
    "patients:edit": "change a patient's details",
    "accounts:user-create": "add a user",
    "accounts:user-edit": "change a user's account",
    "assessment:operation-date": "set the planned operation date",
    "assessment:acknowledge": "accept a hip's candidacy cautions",
    "assessment:record-medicine-plan": "decide what happens to a medicine before surgery",
    "assessment:correct-medicine-plan": "correct a medicine plan",
    "assessment:record": "record a pre-assessment entry",
    "assessment:correct": "correct a pre-assessment entry",
    "assessment:decision": "record the decision on a hip",
    "surgery:schedule": "book an operation",
    "surgery:consent": "record a patient's consent to the operation",
    "surgery:withdraw-consent": "record that a patient withdrew consent",
    "surgery:note": "write or sign an operation note",
    "surgery:confirm": "confirm a restricted implant size",
    "surgery:addendum": "add an addendum to an operation note",
    "surgery:discharge": "record a discharge",
    "surgery:adjust": "adjust a recovery plan",
    "surgery:review": "record a physiotherapy review",
    "outcomes:reviews": "record a follow-up review",
    "outcomes:strike-out-review": "strike out a follow-up review",
    "outcomes:complications": "record a complication",
    "outcomes:strike-out": "strike out a complication",
    "outcomes:questionnaires": "record a questionnaire",
    "outcomes:record": "record a questionnaire",
    "outcomes:issue-link": "send a questionnaire link",
    "outcomes:strike-out-response": "strike out a questionnaire response",
    "outcomes:conversion": "record a conversion or revision",
    "outcomes:death": "record a patient's death",
    "surveillance:enrol-now": "enrol a hip for surveillance",
    "surveillance:enrol-by-hand": "enrol a hip for surveillance",
    "surveillance:worklist": "enrol a hip for surveillance",
    "surveillance:record-result": "record blood metal levels",
    "surveillance:record-imaging": "record a surveillance scan",
    "surveillance:record-review": "record a surveillance review",
    "surveillance:strike-out-result": "strike out a blood metal result",
    "surveillance:strike-out-imaging": "strike out a surveillance scan",
    "surveillance:strike-out-review": "strike out a surveillance review",
    "surveillance:recall-contact": "record a contact in a recall",
    "surveillance:letters": "print the invitation letters for a worklist",
}
_A_ROLE_REFUSED = re.compile(r"the [\w -]+ role may not do this")
_KEY = re.compile(r"[0-9a-fA-F-]{32,}$")  # a hash or an id the page sent, never typed
_NEVER_SHOWN = ("password", "csrfmiddlewaretoken", SUBMISSION_KEY, "otp", "token")


@dataclass(frozen=True, slots=True)
class Refused:
    """What the 403 page says of a refused submission, and what was typed."""

    reason: str  # "Your role, Physiotherapist, may not add an addendum to an operation note."
    who_may: str  # "A surgeon can." (empty when a service refused, for its own reason)
    typed: list[tuple[str, str]]  # (label, value), as typed; never a password or a key
    back: str  # the page the form was on


def _with_article(label: str) -> str:
    return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label.lower()}"


def who_may(op: Op) -> str:
    """The roles the table admits to ``op``, in words: "A surgeon or a nurse can."."""
    rule = TABLE[op]
    names = [_with_article(r.label) for r in Role if r is not Role.PATIENT and rule.admits(r)]
    if rule.admits(Role.PATIENT):
        names.append("a patient (for their own records)")
    if not names:
        return "No role can."
    said = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"{said[0].upper()}{said[1:]} can."


def _in_words(name: str) -> str:
    words = name.replace("_", " ").replace("-", " ").replace(".", " ").strip()
    return f"{words[:1].upper()}{words[1:]}"


def _value_in_words(field: forms.Field | None, value: str) -> str:
    """A choice by its label, a ticked box as "Yes"; anything else as typed."""
    if isinstance(field, forms.BooleanField) or (field is None and value == "on"):
        return "Yes" if value in {"on", "true", "True", "1"} else value
    for choice, label in getattr(field, "choices", None) or ():
        if str(choice) == value and not isinstance(label, list | tuple):
            return str(label)
    return value


def _typed(request: HttpRequest, form: forms.Form | None) -> Iterator[tuple[str, str]]:
    fields = form.fields if form is not None else {}
    for name, values in request.POST.lists():
        field = fields.get(name)
        hidden = field is not None and (
            field.widget.is_hidden or isinstance(field.widget, forms.PasswordInput)
        )
        if hidden or any(word in name.lower() for word in _NEVER_SHOWN):
            continue
        shown = [_value_in_words(field, v) for v in values if v.strip() and not _KEY.match(v)]
        if shown:
            label = field.label if field is not None and field.label else _in_words(name)
            yield str(label), ", ".join(shown)


def _back(request: HttpRequest) -> str:
    """The page the form was on (this site's, by its Referer), else the page posted to."""
    came_from = urlsplit(request.headers.get("Referer", ""))
    if came_from.netloc == request.get_host() and came_from.path.startswith("/"):
        try:
            resolve(came_from.path)
        except Resolver404:
            pass
        else:
            return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return request.path


def refused_submission(request: HttpRequest, op: Op, user: User, error: Forbidden) -> Refused:
    """The refusal of a submission, said in words, with what was typed kept for the user."""
    match = request.resolver_match
    does = DOES.get(match.view_name if match else "", "do this")
    role = f"Your role, {user.role_label},"
    if admits(op, user.role):  # the table admits the role; a service refused this input
        generic = _A_ROLE_REFUSED.match(error.message)  # `require`'s, naming a capability
        why = "" if generic else f" as submitted: {error.message}"
        reason, who = f"{role} may not {does}{why}.", ""
    else:
        reason, who = f"{role} may not {does}.", who_may(op)
    form = getattr(error, REFUSED_FORM, None)
    typed = list(_typed(request, form if isinstance(form, forms.Form) else None))
    return Refused(reason=reason, who_may=who, typed=typed, back=_back(request))
