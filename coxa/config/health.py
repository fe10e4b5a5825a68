"""Health checks: 200 when well, or 503 saying what is wrong.

``/healthz``: the database answers. ``/healthz/ready``: and no nightly job is overdue.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coxa.accounts.access import public
from coxa.accounts.permissions import Op
from coxa.core.jobs import states

log = logging.getLogger(__name__)


@public(Op.HEALTH)
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        log.warning("health check: database unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@public(Op.HEALTH)
@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers and no nightly job is overdue (issue 18).

    503 naming each overdue job and when it last succeeded: a scheduler that stopped, or a
    job that keeps failing, is noticed the next morning at the latest (core.jobs.NIGHTLY).
    """
    try:
        found = states()
    except DatabaseError as error:
        log.warning("readiness check: database unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    shown = {
        s.name: {
            "last_success": s.last_success_at.isoformat() if s.last_success_at else None,
            "overdue": s.overdue,
        }
        for s in found
    }
    late = [s.name for s in found if s.overdue]
    if late:
        log.warning("readiness check: nightly jobs overdue: %s", ", ".join(late))
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "jobs": shown, "overdue": late},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "jobs": shown})
