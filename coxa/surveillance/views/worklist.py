"""The surveillance worklist: hips due, overdue, flagged, awaiting a repeat or lost (issue 15).

Above the list, the hips signed and not yet enrolled (the nightly sweep enrols them; a nurse
or surgeon may enrol them at once) and, until the clinical lead has checked the table, the
notice that every hip has the conservative default; below the filter, for those who may print
letters, the form that prints the invitation letters for the hips shown (``views.letters``).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coxa.accounts.access import page, user_of
from coxa.accounts.domain import Capability, can
from coxa.accounts.permissions import Op
from coxa.catalogue.loader import get_catalogue
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.pagination import page_request
from coxa.core.web import page_number, query_without_page
from coxa.core.worklists import PAGE_SIZE
from coxa.surveillance.models import Enrolment
from coxa.surveillance.selectors import UNCHECKED, signed_not_enrolled
from coxa.surveillance.services.enrolment import enrol_signed
from coxa.surveillance.views.shown import rule_title
from coxa.surveillance.worklist import (
    LETTERS_MAX,
    STATUSES,
    Row,
    SurveillanceQuery,
    list_surveillance_worklist,
    pending_enrolment,
)

WAITING_SHOWN = 10  # hips signed and not yet enrolled, named in the banner


@dataclass(frozen=True)
class ShownRow:
    """One row of the list, with what the page says of it in words."""

    row: Row
    last_seen: dt.date | None  # the last review, result or imaging, whichever is latest
    rule_title: str  # the rule in words (its code when the table no longer has it)


def last_seen(enrolment: Enrolment) -> dt.date | None:
    days = (enrolment.last_review_on, enrolment.last_result_on, enrolment.last_imaging_on)
    return max((d for d in days if d is not None), default=None)


def shown_rows(rows: tuple[Row, ...] | list[Row]) -> list[ShownRow]:
    return [ShownRow(r, last_seen(r.enrolment), rule_title(r.enrolment.rule_code)) for r in rows]


@page(Op.PAGE_SURVEILLANCE_WORKLIST, post=Op.PAGE_SURVEILLANCE_ENROL)
def worklist_page(request: HttpRequest) -> HttpResponse:
    """The list; a post enrols every hip signed and not yet enrolled."""
    user = user_of(request)
    if request.method == "POST":
        enrolled = enrol_signed(by=user, via=Via.WEB)
        messages.success(
            request,
            f"{enrolled} hip{'s' if enrolled != 1 else ''} enrolled for lifelong surveillance."
            if enrolled
            else "No hip was waiting to be enrolled.",
        )
        return redirect("surveillance:worklist")
    return show_worklist(request, SurveillanceQuery(status=request.GET.get("status", "")))


def show_worklist(
    request: HttpRequest, query: SurveillanceQuery, *, letters_problem: str = ""
) -> HttpResponse:
    """The list for ``query``; ``letters_problem``: why its letters were not printed (400)."""
    user = user_of(request)
    table = get_catalogue().surveillance
    pending = pending_enrolment(actor=user)
    may_record = can(user.role, Capability.RECORD_SURVEILLANCE)
    # The first few, by name (asked for only when there are some: one more query).
    waiting = list(signed_not_enrolled()[:WAITING_SHOWN]) if pending else []
    context: dict[str, Any] = {
        "query": query,
        "statuses": STATUSES,
        "unchecked": "" if table.checked_by_clinical_lead is not None else UNCHECKED,
        "pending": pending,
        "waiting": waiting,
        "waiting_more": pending - len(waiting),
        "may_enrol": may_record,
        "may_recall": may_record,  # the recall page is for those who contact patients
        "letters_problem": letters_problem,
        "letters_max": LETTERS_MAX,
        "job_file_hours": settings.JOB_FILE_HOURS,
    }
    try:
        listed = list_surveillance_worklist(
            actor=user,
            query=query,
            page=page_request(page_number(request), PAGE_SIZE),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - bad filters are shown on the page
            raise
        context["error"] = error
        return render(request, "surveillance/worklist.html", context, status=400)
    context |= {
        "rows": shown_rows(listed.rows),
        "count": listed.count,
        "capped": listed.capped,
        "cap": listed.cap,
        "page_number": listed.number,
        "has_next": listed.has_next,
        "query_string": query_without_page(request),
    }
    status = 400 if letters_problem else 200
    return render(request, "surveillance/worklist.html", context, status=status)
