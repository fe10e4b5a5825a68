"""`coxa worker`: run the background tasks waiting in the database queue (ADR 0028).

Django's task API with django-tasks-db's worker, under Coxa's name: analytics reports and
the nightly jobs wait in the database's queue and each worker takes one at a time (on
PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so any number of workers on any
number of machines share the queue). Stop it with SIGTERM or Ctrl-C: it finishes the task
it is running, then exits (a second signal stops that task, which is marked failed).
``--batch`` runs what is waiting, then exits (a test, a cron job).
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run Coxa's background tasks from the database queue (stop with SIGTERM or Ctrl-C)."
