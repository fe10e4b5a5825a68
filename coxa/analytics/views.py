"""The analytics pages.

A filtered cohort's survival, incidence, rates and funnel plots; the same as a
self-contained report; and the pseudonymised extract behind them.
"""

import io
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import page, user_of
from coxa.accounts.permissions import Op
from coxa.analytics import report
from coxa.analytics.extract import table_of_rows, write_csv
from coxa.analytics.forms import CohortForm, in_words
from coxa.analytics.selectors import (
    extract_cohort,
    extract_cohort_empty,
    extract_files,
    outcome_figures,
    registry_cohort,
    registry_rows,
)
from coxa.analytics.summary import Analysis, analyse
from coxa.core.errors import InvalidInput
from coxa.core.forms import add_problems
from coxa.core.words import day_month_year

RECORDS = ""  # the source choice for Coxa's own records


def _in_words(analysis: Analysis) -> Analysis:
    """The groups named as a person reads them: a procedure's title, never its code."""
    groups = tuple(replace(g, label=in_words(analysis.by, g.label)) for g in analysis.groups)
    return replace(analysis, groups=groups)


def _analysis(request: HttpRequest) -> tuple[CohortForm, Analysis | None, str]:
    user = user_of(request)
    files = extract_files()
    name = request.GET.get("source", RECORDS)
    problem = None
    if name == RECORDS:
        cohort, close = registry_cohort(user)
        source = f"Coxa's records, follow-up closed {day_month_year(close)}"
    else:
        try:
            cohort, source = extract_cohort(user, name), f"the registry extract {name}"
        except InvalidInput as error:
            problem = error
            cohort, source = extract_cohort_empty(), f"the registry extract {name}"
    form = CohortForm(
        request.GET, cohort=cohort, files=files, min_at_risk=settings.ANALYTICS_MIN_AT_RISK
    )
    if problem is not None and form.is_valid():
        add_problems(form, problem)
    if not form.is_valid():
        return form, None, source
    chosen = form.cohort_filter()
    analysis = analyse(
        chosen.apply(cohort),
        description=form.describe(),
        by=form.cleaned_data["by"] or None,
        min_at_risk=form.cleaned_data["min_at_risk"],
    )
    return form, _in_words(analysis), source


@page(Op.PAGE_ANALYTICS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, analysis, source = _analysis(request)
    context: dict[str, Any] = {"form": form, "source": source, "query": request.GET.urlencode()}
    if analysis is None:
        return render(request, "analytics/dashboard.html", context, status=400)
    if request.GET.get("source", RECORDS) == RECORDS:  # complications and scores: Coxa's own
        context |= report.outcomes_context(outcome_figures(user_of(request)))
    return render(
        request,
        "analytics/dashboard.html",
        {**context, **report.context(analysis, chosen=form.chosen())},
    )


@page(Op.PAGE_ANALYTICS)
def report_file(request: HttpRequest) -> HttpResponse:
    form, analysis, source = _analysis(request)
    if analysis is None:
        return render(request, "analytics/dashboard.html", {"form": form}, status=400)
    own = request.GET.get("source", RECORDS) == RECORDS
    outcomes = outcome_figures(user_of(request)) if own else None
    drawn = report.render_report(analysis, source=source, outcomes=outcomes, chosen=form.chosen())
    response = HttpResponse(drawn)
    response["Content-Disposition"] = 'attachment; filename="coxa-registry-report.html"'
    return response


@page(Op.PAGE_ANALYTICS)
def extract_file(request: HttpRequest) -> HttpResponse:
    """Every operated hip as a registry extract: pseudonyms, no names or numbers."""
    rows, close = registry_rows(user_of(request))
    buffer = io.BytesIO()
    write_csv(table_of_rows(rows), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"coxa-extract-{close.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
