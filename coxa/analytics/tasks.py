"""The analytics page computed in the background and cached by the data's version (issue 18).

A filtered cohort's figures take seconds over a large registry (reading every operated hip,
then the estimators and the plots), too long for a web worker. The page asks for them by a
key: the data's version (``versions.data_version``, which every service's change moves) or
the extract file's size and time, today's date (follow-up closes today), the code that draws
them, and the filter. ``compute_dashboard`` runs in a worker, says how far it has gone, and
caches what the page shows; every analyst asking the same question of the same data then
gets it at once (ADR 0028, H84).

The page reads this module on every request, so the analytics extra's libraries are imported
only inside the functions that compute (``analytics.extra``).
"""

import functools
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.template.loader import render_to_string
from django_tasks import task

from coxa.accounts.models import User
from coxa.analytics import extra
from coxa.analytics.selectors import (
    extract_cohort,
    extract_cohort_empty,
    extract_files,
    outcome_figures,
    registry_cohort,
)
from coxa.core import audit, background, clock, versions
from coxa.core.errors import InvalidInput
from coxa.core.forms import add_problems
from coxa.core.words import day_month_year

if TYPE_CHECKING:
    from coxa.analytics.forms import CohortForm
    from coxa.analytics.summary import Analysis

RECORDS = ""  # the source choice for Coxa's own records
KIND = "analytics.dashboard"
RETRY = "retry"  # a query's "try again" mark: not part of the question
JOB = "job"  # the job a waiting page follows: not part of the question
MARKS = (RETRY, JOB)
CACHED_FOR = 24 * 3600  # seconds; a new day's key differs anyway
STEPS = 4


def _in_words(analysis: "Analysis") -> "Analysis":
    """The groups named as a person reads them: a procedure's title, never its code."""
    from coxa.analytics.forms import in_words  # noqa: PLC0415 (the analytics extra)

    groups = tuple(replace(g, label=in_words(analysis.by, g.label)) for g in analysis.groups)
    return replace(analysis, groups=groups)


def _source_version(name: str) -> str:
    """What the figures are computed from, as it is now: the records' version or the file's."""
    if name == RECORDS:
        return f"records:{versions.data_key()}"
    if name not in extract_files():
        return f"unknown:{name}"  # the task answers the refusal; it is cached like any answer
    found = settings.ANALYTICS_EXTRACTS_DIR / name
    stat = found.stat()
    return f"extract:{name}:{stat.st_size}:{stat.st_mtime_ns}"


@functools.cache
def code_version() -> str:
    """What computes and draws the figures in this release: a digest of its code.

    Analytics' own modules and templates: an upgrade never serves figures an older release drew.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.html")]):
        if "tests" not in path.relative_to(root).parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def question(query: QueryDict) -> str:
    """The filter as asked, in one spelling of its fields.

    Each field's values stay in the order sent (as the form reads them) and nothing is
    dropped, so a question the form refuses never shares a key with one it accepts.
    """
    asked = sorted((k, vs) for k, vs in query.lists() if k not in MARKS)
    return json.dumps(asked, separators=(",", ":"))


def job_result_key(job_id: str) -> str:
    """Where a job's own figures are kept, for the page that waited for that job."""
    return f"{KIND}:job:{job_id}"


def dashboard_key(query: QueryDict) -> str:
    """The cache key of the page for this query, over the data as it is now."""
    asked = question(query)
    parts = [
        KIND,
        code_version(),
        clock.today().isoformat(),
        str(settings.ANALYTICS_MIN_AT_RISK),
        _source_version(query.get("source", RECORDS)),
        hashlib.sha256(asked.encode()).hexdigest(),
    ]
    return ":".join(parts)


def analysis_for(
    user: User, query: QueryDict, *, via: audit.Via = audit.Via.WEB
) -> tuple["CohortForm", "Analysis | None", str]:
    """The filter form over the chosen data, and its analysis when the filter is valid."""
    from coxa.analytics.forms import CohortForm  # noqa: PLC0415 (the analytics extra)
    from coxa.analytics.summary import analyse  # noqa: PLC0415 (the analytics extra)

    files = extract_files()
    name = query.get("source", RECORDS)
    problem = None
    if name == RECORDS:
        cohort, close = registry_cohort(user, via=via)
        source = f"Coxa's records, follow-up closed {day_month_year(close)}"
    else:
        try:
            cohort, source = extract_cohort(user, name, via=via), f"the registry extract {name}"
        except InvalidInput as error:
            problem = error
            cohort, source = extract_cohort_empty(), f"the registry extract {name}"
    form = CohortForm(query, cohort=cohort, files=files, min_at_risk=settings.ANALYTICS_MIN_AT_RISK)
    if problem is not None and form.is_valid():
        add_problems(form, problem)
    if not form.is_valid():
        return form, None, source
    analysis = analyse(
        form.cohort_filter().apply(cohort),
        description=form.describe(),
        by=form.cleaned_data["by"] or None,
        min_at_risk=form.cleaned_data["min_at_risk"],
    )
    return form, _in_words(analysis), source


def _body(user: User, query: QueryDict, job_id: str) -> dict[str, Any]:
    """What the page shows (``html``, with its ``status``) and the downloadable ``report``."""
    from coxa.analytics import report  # noqa: PLC0415 (the analytics extra)

    background.progress(job_id, 1, STEPS, "Reading the records")
    form, analysis, source = analysis_for(user, query, via=audit.Via.TASK)
    context: dict[str, Any] = {"form": form, "source": source, "query": question_query(query)}
    if analysis is None:
        html = render_to_string("analytics/_dashboard_body.html", context)
        return {"status": 400, "html": html, "source": source, "report": "", **_asked(query)}
    background.progress(job_id, 2, STEPS, "Adding up complications and scores")
    outcomes: dict[str, Any] = {}
    if query.get("source", RECORDS) == RECORDS:  # complications and scores: Coxa's own
        outcomes = report.outcomes_context(outcome_figures(user, via=audit.Via.TASK))
    background.progress(job_id, 3, STEPS, "Drawing the figures")
    shown = report.context(analysis, chosen=form.chosen())  # drawn once, for both
    html = render_to_string("analytics/_dashboard_body.html", {**context, **outcomes, **shown})
    drawn = render_to_string("analytics/report.html", {**shown, **outcomes, "source": source})
    return {"status": 200, "html": html, "source": source, "report": drawn, **_asked(query)}


def _asked(query: QueryDict) -> dict[str, str]:
    """The question and the day a result answers: a page following its job checks both."""
    return {"question": question(query), "day": clock.today().isoformat()}


def answers(shown: dict[str, Any], query: QueryDict) -> bool:
    """Whether a job's result answers this question today (not another filter, another day)."""
    return bool(
        shown.get("question") == question(query) and shown.get("day") == _asked(query)["day"]
    )


def question_query(query: QueryDict) -> str:
    """The query to repeat (the report's link), without a waiting page's marks."""
    kept = query.copy()
    for mark in MARKS:
        kept.pop(mark, None)
    return kept.urlencode()


@task()
def compute_dashboard(job_id: str, user_id: int, query: str, cache_key: str) -> int:
    """Compute the analytics page for ``query`` as ``user_id`` asked it, and cache it."""
    if not background.claim(job_id):  # replaced meanwhile (its page took it as lost)
        return 0
    with background.running(job_id):
        extra.require()  # a worker installed without it fails the job with the sentence
        user = User.objects.get(pk=user_id)
        shown = _body(user, QueryDict(query), job_id)
        cache.set_many({cache_key: shown, job_result_key(job_id): shown}, CACHED_FOR)
    return int(shown["status"])
