"""The pre-assessment worklist page and its CSV export."""

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.assessment.worklist import (
    SORTS,
    WorklistQuery,
    export_of,
    flags_of,
    list_pre_assessment_worklist,
)
from coxa.catalogue.registry import all_procedures
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.pagination import page_request
from coxa.core.web import page_number, query_without_page
from coxa.core.worklists import PAGE_SIZE


def _query(request: HttpRequest) -> WorklistQuery:
    return WorklistQuery(
        flag=request.GET.get("flag", ""),
        procedure=request.GET.get("procedure", ""),
        state=request.GET.get("state", ""),
        sort=request.GET.get("sort", "operation") or "operation",
    )


@page(Op.PAGE_PRE_ASSESSMENT_WORKLIST)
def worklist_page(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    context: dict[str, Any] = {
        "query": query,
        "procedures": all_procedures(),
        "sorts": tuple(SORTS),
        "today": clock.today(),
    }
    try:
        listed = list_pre_assessment_worklist(
            actor=user_of(request),
            query=query,
            page=page_request(page_number(request), PAGE_SIZE),
            via=Via.WEB,
        )
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - bad filters are shown on the page
            raise
        context["error"] = error
        return render(request, "assessment/worklist.html", context, status=400)
    today = clock.today()
    context |= {
        "rows": [(e, flags_of(e, today)) for e in listed.rows],
        "count": listed.count,
        "capped": listed.capped,
        "cap": listed.cap,
        "page_number": listed.number,
        "has_next": listed.has_next,
        "query_string": query_without_page(request),
    }
    return render(request, "assessment/worklist.html", context)


@page(Op.PAGE_PRE_ASSESSMENT_WORKLIST)
def worklist_csv(request: HttpRequest) -> HttpResponse:
    """The worklist as CSV (the whole filtered list, not one page)."""
    user = user_of(request)
    query = _query(request)
    try:
        episodes = export_of(actor=user, query=query, via=Via.WEB)
    except CoxaError as error:
        if error.status != 400:  # noqa: PLR2004 - a refusal is @page's to answer and audit
            raise
        return HttpResponse(error.message, status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="pre-assessment-worklist.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "episode_id",
            "patient",
            "hospital_number",
            "side",
            "procedure",
            "state",
            "operation_on",
            "readiness",
            "missing",
            "expired",
            "unactioned",
            "first_stop_on",
            "flags",
        ]
    )
    today = clock.today()
    for episode in episodes.iterator(chunk_size=2000):
        snapshot = getattr(episode, "readiness", None)
        writer.writerow(
            [
                episode.public_id,
                episode.patient.display_name,
                episode.patient.hospital_number or "",
                episode.side,
                episode.procedure,
                episode.state,
                episode.operation_on or "",
                snapshot.readiness if snapshot else "not assessed",
                snapshot.missing_count if snapshot else "",
                snapshot.expired_count if snapshot else "",
                snapshot.unactioned_count if snapshot else "",
                (snapshot.first_stop_on or "") if snapshot else "",
                " ".join(flags_of(episode, today)),
            ]
        )
    return response
