"""Writing audit records: the one call every service and access check makes.

Reads are audited too: every permission-checked fetch of a patient's data calls
``record`` with an ``*.view`` action. Writes call it inside the same transaction as the
change they describe, so a change and its record stand or fall together.

Each record is chained to the one before it (``coxa.core.audit_chain``, ADR 0011): an append
locks the chain's head (one row), hashes the new record with the previous hash, inserts it
and moves the head on, all in one transaction. The lock makes appends one line: on
PostgreSQL it is a row lock held until the enclosing transaction ends; SQLite's IMMEDIATE
transactions already let one writer in at a time.

Lock first, record last. A transaction that holds the head and then waits for another row
deadlocks with one that holds that row and waits for the head. So a service that records
runs in ``audit.atomic()`` rather than ``transaction.atomic``: inside it ``record`` holds
each record back, and the outermost block appends them all when its work is done, just
before it commits. Every row lock comes first and the head is held only for the appends.
"""

import contextlib
import functools
import json
import threading
import uuid
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction

from coxa.core import clock, versions
from coxa.core.audit_chain import GENESIS, ChainKey, Fields, normalise_json
from coxa.core.audit_labels import ACTION_LABELS
from coxa.core.models import AuditChainHead, AuditEvent

HEAD_ID = 1
READ_HEAD = "SELECT last_id, last_hash, seal FROM core_auditchainhead WHERE id = %s"
LOCK_HEAD = READ_HEAD + " FOR UPDATE"
MOVE_HEAD = "UPDATE core_auditchainhead SET last_id = %s, last_hash = %s, seal = %s WHERE id = %s"

_Held = tuple[Fields, AuditEvent]
_holding = threading.local()  # ``records``: those held back by this thread's atomic() block


class AuditChainBrokenError(Exception):
    """The chain cannot be extended: its head is missing while records exist."""


class AuditKeyMismatchError(AuditChainBrokenError):
    """The chain cannot be extended: its head's seal does not verify under this key."""

    def __init__(self) -> None:
        super().__init__(
            "the audit chain was sealed with another key: set COXA_AUDIT_KEY to the key it "
            "was made with (if the key is right, the chain's head was altered: run "
            "`coxa audit verify`); nothing was recorded"
        )


class Via(StrEnum):
    """The interface an action came through."""

    WEB = "web"
    API = "api"
    CLI = "cli"
    LINK = "link"  # a patient through a one-time questionnaire link (no account)
    TASK = "task"  # a background task a person asked for, on their behalf


class Actor(Protocol):
    """What the audit needs to know of whoever acts (a user, or a system job)."""

    pk: Any
    role: str

    def get_username(self) -> str: ...


READ_SUFFIXES = (".view", ".list", ".search")

# --------------------------------------------------------------- what people read
# Each action in words, for the audit log's page and its choice of actions: the one place
# they are named. An action missing here is shown by action_label's fallback, and
# coxa/accounts/tests/test_audit_labels.py lists it so that it can be added.
VIA_LABELS: dict[str, str] = {
    Via.WEB: "Web",
    Via.API: "API",
    Via.CLI: "Command",
    Via.LINK: "Questionnaire link",
    Via.TASK: "Background task",
}


def action_label(action: str) -> str:
    """An action in words; one not yet labelled is spelt out ("Surveillance recall")."""
    known = ACTION_LABELS.get(action)
    if known is not None:
        return known
    spelt = " ".join(action.replace(".", " ").replace("-", " ").replace("_", " ").split())
    return spelt.capitalize() or "Unnamed action"


def via_label(via: str) -> str:
    """Where an action came from, in words."""
    return VIA_LABELS.get(via) or via.replace("-", " ").replace("_", " ").capitalize()


def record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | uuid.UUID = "",
    patient_id: uuid.UUID | None = None,
    summary: str = "",
    reason: str = "",
    via: Via = Via.WEB,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit record. ``actor`` None means Coxa itself (a scheduled job).

    Inside ``atomic()`` the record is held back and appended, id and hashes and all, when
    the outermost block ends; until then the event returned has no id.
    """
    fields = Fields(
        at=clock.now(),
        actor_id=None if actor is None else int(actor.pk),
        actor_username="coxa" if actor is None else actor.get_username(),
        actor_role="system" if actor is None else actor.role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=None if patient_id is None else uuid.UUID(str(patient_id)),
        summary=summary[:300],
        reason=reason,
        via=str(via),
        # What the database will give back: a JSON round trip, whole numbers as integers.
        details=normalise_json(json.loads(json.dumps(details or {}, allow_nan=False))),
    )
    event = AuditEvent(
        at=fields.at,
        actor_id=fields.actor_id,
        actor_username=fields.actor_username,
        actor_role=fields.actor_role,
        action=fields.action,
        object_type=fields.object_type,
        object_id=fields.object_id,
        patient_id=fields.patient_id,
        summary=fields.summary,
        reason=fields.reason,
        via=fields.via,
        details=fields.details,
    )
    held: list[_Held] | None = getattr(_holding, "records", None)
    if held is not None:
        held.append((fields, event))
    else:
        _append([(fields, event)])
    return event


@contextlib.contextmanager
def atomic() -> Iterator[None]:
    """A transaction whose audit records are appended at its end (lock first, record last).

    Use it where a service would use ``transaction.atomic``, as ``@audit.atomic()`` or
    ``with audit.atomic():``. The outermost block appends the records made inside it, in
    the order made, under one lock of the chain's head, once its work is done and just
    before it commits; nothing is appended if it fails. A block inside another hands its
    records to the outer one, and drops them if it fails (its savepoint rolls back).
    """
    with transaction.atomic():
        held: list[_Held] | None = getattr(_holding, "records", None)
        if held is not None:
            mark = len(held)
            try:
                yield
            except BaseException:
                del held[mark:]
                raise
            return
        _holding.records = held = []
        try:
            yield
        finally:
            _holding.records = None
        _append(held)
        if held:  # a service changed records: the data's version moves with its commit
            versions.count_change()


def _append(records: list[_Held]) -> None:
    """Chain the records onto the head and insert them, moving the head once."""
    if not records:
        return
    key = chain_key()
    # No savepoint: a failed append fails the enclosing transaction, change and all.
    with transaction.atomic(savepoint=False):
        prev_hash = _locked_head(key)
        for fields, event in records:
            event.prev_hash = prev_hash
            event.row_hash = prev_hash = key.row_hash(fields, prev_hash)
            event.save(force_insert=True)
        last = records[-1][1]
        with connection.cursor() as cursor:
            cursor.execute(
                MOVE_HEAD, [last.pk, last.row_hash, key.seal(last.pk, last.row_hash), HEAD_ID]
            )


def chain_key() -> ChainKey:
    """The chain's key, from settings.AUDIT_CHAIN_KEY."""
    return _key_for(settings.AUDIT_CHAIN_KEY)


@functools.lru_cache(maxsize=4)
def _key_for(secret: str) -> ChainKey:
    return ChainKey(secret)


def _locked_head(key: ChainKey) -> str:
    """Lock the chain's head for this transaction and give its last hash.

    The head's two statements are plain SQL: through the ORM they cost more than the
    INSERT itself (bench/audit.py).
    """
    with connection.cursor() as cursor:
        locking = connection.features.has_select_for_update  # SQLite: the write lock is held
        cursor.execute(LOCK_HEAD if locking else READ_HEAD, [HEAD_ID])
        row = cursor.fetchone()
    if row is not None:
        last_id, last_hash, seal = row
        # A head sealed under another key (COXA_AUDIT_KEY changed, or the secret key while
        # it is unset) would make every record before look changed: refuse to append.
        if not key.seals(int(last_id), str(last_hash), str(seal)):
            raise AuditKeyMismatchError
        return str(last_hash)
    # No head: a test database just flushed, or another writer is starting the chain (the
    # insert waits for it and then does nothing), or the head was removed.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=HEAD_ID, last_id=0, last_hash=GENESIS, seal=key.seal(0, GENESIS))],
        ignore_conflicts=True,
    )
    head = AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)
    # A new chain over records that exist would hide what came before: refuse it.
    if head.last_id == 0 and AuditEvent.objects.exists():
        raise AuditChainBrokenError(
            "the audit chain's head is missing while audit records exist: "
            "run `coxa audit verify` and investigate before recording anything"
        )
    return head.last_hash


def is_read(action: str) -> bool:
    """Tell a read (view, list, search) from a change."""
    return action.endswith(READ_SUFFIXES)
