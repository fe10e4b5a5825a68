"""Lock first, record last: no transaction that records may hold the audit's head and wait.

``audit.record`` outside ``audit.atomic()`` appends at once, locking the chain's head until
the transaction ends; a row locked after that can deadlock with a transaction that locked
the row first (ADR 0011). So Coxa's own transactions are ``audit.atomic()``, which appends
at the end. A plain ``transaction.atomic`` is allowed only where nothing inside records.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# (module, function): plain transactions inside which nothing is recorded, and why.
PLAIN = {
    ("coxa/core/audit.py", "atomic"),  # audit.atomic itself
    ("coxa/core/audit.py", "_append"),  # the append, joining the caller's transaction
    ("coxa/core/audit_verify.py", "_snapshot"),  # the verifier's read-only snapshot
    ("coxa/core/backup_postgres.py", "snapshot"),  # the read-only snapshot pg_dump shares
    ("coxa/core/idempotency.py", "_claim"),  # a savepoint around the key's insert
    ("coxa/patients/services.py", "_save"),  # a savepoint around a unique insert
    ("coxa/pathways/services/__init__.py", "_create"),  # a savepoint around a unique insert
    ("coxa/surveillance/services/enrolment.py", "_save"),  # a savepoint around a unique insert
    ("coxa/accounts/services/otp.py", "check_code"),  # locks the devices, records nothing
    ("coxa/accounts/services/smart.py", "_once"),  # a savepoint around a JWT id's insert
    ("coxa/core/background.py", "start"),  # a job's row and its task's row, nothing recorded
    ("coxa/core/jobs.py", "queue_due"),  # a night's claim and its task's row, nothing recorded
}


def _plain_transactions(source: str, module: str) -> list[tuple[str, str, int]]:
    """Every use of ``transaction.atomic`` in a module, and any import of its module."""
    tree = ast.parse(source, module)
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
            found.append((module, "import of django.db.transaction", node.lineno))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "atomic"
            and isinstance(node.value, ast.Name)
            and node.value.id == "transaction"
        ):
            found.append((module, function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_coxas_transactions_append_the_audit_last():
    modules = [
        p
        for p in (ROOT / "coxa").rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    ]
    found = [
        use
        for path in modules
        for use in _plain_transactions(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found, "the scan found no transaction at all: it is looking in the wrong place"
    unexpected = [
        f"{module}:{line} in {function}"
        for module, function, line in found
        if (module, function) not in PLAIN
    ]
    assert unexpected == [], "use audit.atomic() (ADR 0011: lock first, record last)"


def test_the_scan_sees_a_service_in_a_plain_transaction():
    source = (
        "from django.db import transaction\n"
        "from django.db.transaction import atomic\n"
        "@transaction.atomic\n"
        "def move(): ...\n"
        "def book():\n"
        "    with transaction.atomic(): ...\n"
    )
    assert _plain_transactions(source, "probe.py") == [
        ("probe.py", "import of django.db.transaction", 2),
        ("probe.py", "move", 3),
        ("probe.py", "book", 6),
    ]


def test_requests_are_not_one_transaction():
    # With ATOMIC_REQUESTS, a page's read record would take the head before its service's
    # row locks, in one transaction.
    assert not any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values())
