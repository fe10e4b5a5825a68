"""`flush`, as Coxa allows it: only the test suite may empty its own database.

Django's test harness flushes the database after each transactional test. Anywhere else a
flush would erase the audit log, so it is refused here (the `coxa` command refuses it before
it gets this far) and, beneath, by the audit's triggers (coxa.core.audit_guard).
"""

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import flush

from coxa.core.audit_guard import AuditFlushRefusedError, erasing_for_test_flush


class Command(flush.Command):
    help = "Empty a test database (refused outside the test suite: the audit is append-only)."

    def handle(self, **options: Any) -> None:
        try:
            with erasing_for_test_flush():
                super().handle(**options)
        except AuditFlushRefusedError as refused:
            raise CommandError(str(refused)) from None
