"""Outcomes pages: the follow-up worklist."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.catalogue.registry import all_procedures
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.pagination import page_request
from coxa.core.web import page_number, query_without_page
from coxa.core.worklists import PAGE_SIZE
from coxa.outcomes.worklist import DUE_KINDS, STATUSES, FollowUpQuery, list_follow_up_worklist


@page(Op.PAGE_FOLLOW_UP_WORKLIST)
def worklist_page(request: HttpRequest) -> HttpResponse:
    query = FollowUpQuery(
        status=request.GET.get("status", ""),
        procedure=request.GET.get("procedure", ""),
        due=request.GET.get("due", ""),
    )
    context: dict[str, Any] = {
        "query": query,
        "procedures": all_procedures(),
        "statuses": STATUSES,
        "due_kinds": DUE_KINDS,
    }
    try:
        listed = list_follow_up_worklist(
            actor=user_of(request),
            query=query,
            page=page_request(page_number(request), PAGE_SIZE),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - bad filters are shown on the page
            raise
        context["error"] = error
        return render(request, "outcomes/worklist.html", context, status=400)
    context |= {
        "rows": listed.rows,
        "count": listed.count,
        "capped": listed.capped,
        "cap": listed.cap,
        "page_number": listed.number,
        "has_next": listed.has_next,
        "query_string": query_without_page(request),
    }
    return render(request, "outcomes/worklist.html", context)
