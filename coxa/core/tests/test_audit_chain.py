"""The chain's serialisation and walk, without a database."""

import dataclasses
import datetime as dt
import json
import subprocess
import sys
import uuid
import zoneinfo

import pytest

from coxa.core.audit_chain import (
    GENESIS,
    ChainKey,
    Fault,
    Fields,
    Head,
    Link,
    canonical_json,
    normalise_json,
    utc_text,
    walk,
)

KEY = ChainKey("a test key")
START = dt.datetime(2026, 11, 22, 2, 37, 0, 123456, tzinfo=dt.UTC)


def fields(n: int = 0, **changes) -> Fields:
    base = Fields(
        at=START + dt.timedelta(seconds=n),
        actor_id=7,
        actor_username="nia",
        actor_role="nurse",
        action="patient.view",
        object_type="patient",
        object_id=f"obj-{n}",
        patient_id=uuid.UUID(int=n + 1),
        summary="Viewed",
        reason="",
        via="web",
        details={"n": n},
    )
    return dataclasses.replace(base, **changes)


def chain(count: int, key: ChainKey = KEY) -> tuple[list[Link], Head]:
    links, prev = [], GENESIS
    for index in range(count):
        body = fields(index)
        link = Link(index + 1, body, prev, key.row_hash(body, prev))
        links.append(link)
        prev = link.row_hash
    last = links[-1] if links else None
    last_id, last_hash = (last.id, last.row_hash) if last else (0, GENESIS)
    return links, Head(last_id, last_hash, key.seal(last_id, last_hash))


# ------------------------------------------------------------------ serialisation
def test_canonical_json_is_one_spelling_whatever_the_key_order_or_spacing():
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": None}]}) == (
        '{"a":[1,{"c":null,"d":2}],"b":1}'
    )
    assert canonical_json({"é": "ü"}) == '{"\\u00e9":"\\u00fc"}'  # ASCII only


@pytest.mark.parametrize(
    ("written", "read_back"),
    [
        (1.0, 1),  # jsonb gives 1.0 back as the number 1; so does Coxa's hash
        (1e20, 10**20),  # exactly, not float(1e20) printed
        (-0.0, 0),
        (2**70, 2**70),
        (0.1, 0.1),
        (1e-7, 1e-7),
        (True, True),
        ((1, 2), [1, 2]),
        ({1: "a", False: "b", None: "c"}, {"1": "a", "false": "b", "null": "c"}),
    ],
)
def test_numbers_are_normalised_as_a_database_gives_them_back(written, read_back):
    assert normalise_json(written) == read_back
    assert type(normalise_json(written)) is type(read_back)
    assert canonical_json(written) == canonical_json(read_back)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"x": [float("-inf")]}])
def test_numbers_no_database_can_store_are_refused(value):
    with pytest.raises(ValueError, match="finite"):
        normalise_json(value)


def test_values_that_are_not_json_are_refused():
    with pytest.raises(TypeError, match="UUID"):
        normalise_json({"id": uuid.uuid4()})


def test_times_are_utc_with_microseconds_whatever_zone_they_come_in():
    london = START.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert utc_text(START) == utc_text(london) == "2026-11-22T02:37:00.123456Z"
    assert utc_text(START.replace(microsecond=0)) == "2026-11-22T02:37:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_text(START.replace(tzinfo=None))


def test_the_serialisation_covers_every_stored_field_and_the_previous_hash():
    body = fields()
    message = json.loads(body.canonical("ab" * 32))
    assert message == [
        "coxa-audit/1",
        "2026-11-22T02:37:00.123456Z",
        7,
        "nia",
        "nurse",
        "patient.view",
        "patient",
        "obj-0",
        str(uuid.UUID(int=1)),
        "Viewed",
        "",
        "web",
        {"n": 0},
        "ab" * 32,
    ]
    original = KEY.row_hash(body, GENESIS)
    changes = [
        ("at", START + dt.timedelta(microseconds=1)),
        ("actor_id", 8),
        ("actor_id", None),
        ("actor_username", "nib"),
        ("actor_role", "surgeon"),
        ("action", "patient.update"),
        ("object_type", "episode"),
        ("object_id", "obj-1"),
        ("patient_id", None),
        ("summary", "Viewed!"),
        ("reason", " "),
        ("via", "api"),
        ("details", {"n": 1}),
        ("details", {"n": 0, "m": None}),
    ]
    for name, value in changes:
        changed = dataclasses.replace(body, **{name: value})
        assert KEY.row_hash(changed, GENESIS) != original, (name, value)
    assert KEY.row_hash(body, "1" * 64) != original


def test_equal_values_from_either_database_hash_alike():
    written = fields(
        details={"size": 1.0, "big": 1e20, "list": (1, 2)}, patient_id=uuid.UUID(int=5)
    )
    # As PostgreSQL gives them back: integers for whole numbers, a list, a UUID read again.
    read = fields(details={"list": [1, 2], "big": 10**20, "size": 1}, patient_id=uuid.UUID(int=5))
    assert KEY.row_hash(written, GENESIS) == KEY.row_hash(read, GENESIS)


def test_the_hash_and_the_seal_need_the_key():
    other = ChainKey("another key")
    assert KEY.row_hash(fields(), GENESIS) != other.row_hash(fields(), GENESIS)
    assert KEY.seal(3, "a" * 64) != other.seal(3, "a" * 64)
    assert KEY.seal(3, "a" * 64) != KEY.seal(4, "a" * 64)
    with pytest.raises(ValueError, match="key"):
        ChainKey("")


def test_the_chain_module_is_pure_python():
    code = (
        "import sys, coxa.core.audit_chain\n"
        "assert not any(m.startswith('django') for m in sys.modules), 'imports Django'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------ the walk
def test_a_whole_chain_verifies():
    links, head = chain(5)
    verdict = walk(links, head, KEY)
    assert (verdict.ok, verdict.verified) == (True, 5)


def test_an_empty_log_verifies_with_or_without_a_head():
    assert walk([], chain(0)[1], KEY).ok
    assert walk([], None, KEY).ok


def test_a_chain_under_another_key_does_not_verify():
    links, head = chain(3, ChainKey("another key"))
    broken = walk(links, head, KEY).broken
    assert broken is not None
    assert broken.row_id == 1


def test_a_changed_record_is_named():
    links, head = chain(5)
    links[2] = dataclasses.replace(links[2], fields=fields(2, reason="rewritten"))
    verdict = walk(links, head, KEY)
    assert verdict.verified == 2
    assert (verdict.broken.row_id, verdict.broken.fault) == (3, Fault.CHANGED)
    assert verdict.broken.at == START + dt.timedelta(seconds=2)
    assert "changed after it was written" in verdict.broken.explanation
    assert verdict.broken.describe().startswith("audit record 3 (2026-11-22T02:37:02.123456Z)")


def test_a_changed_last_record_is_named_through_the_head():
    links, head = chain(3)
    links[2] = dataclasses.replace(links[2], fields=fields(2, summary="other"))
    broken = walk(links, head, KEY).broken
    assert (broken.row_id, broken.fault) == (3, Fault.CHANGED)


def test_a_rewritten_hash_is_named_as_a_change():
    links, head = chain(4)
    links[1] = dataclasses.replace(links[1], row_hash="f" * 64)
    broken = walk(links, head, KEY).broken
    assert (broken.row_id, broken.fault) == (2, Fault.CHANGED)


def test_a_deleted_record_is_named_by_its_successor():
    links, head = chain(5)
    del links[2]
    verdict = walk(links, head, KEY)
    assert (verdict.broken.row_id, verdict.broken.fault) == (4, Fault.DELETED)
    assert "the record before it (id 2)" in verdict.broken.explanation
    assert verdict.verified == 2


def test_deleting_the_first_records_is_named():
    links, head = chain(4)
    broken = walk(links[2:], head, KEY).broken
    assert (broken.row_id, broken.fault) == (3, Fault.DELETED)
    assert "records before it" in broken.explanation


def test_a_forged_record_appended_after_the_head_is_named():
    links, head = chain(3)
    forged = Link(4, fields(9), links[-1].row_hash, "e" * 64)
    broken = walk([*links, forged], head, KEY).broken
    assert (broken.row_id, broken.fault) == (4, Fault.FORGED)


def test_a_forged_record_the_chain_passes_over_is_named():
    links, _ = chain(4)
    forged = Link(3, fields(9), links[1].row_hash, "e" * 64)
    # Coxa appended records 4 and 5 after it, linking past it to record 2.
    after = Link(4, links[2].fields, links[2].prev_hash, links[2].row_hash)
    last = Link(5, links[3].fields, links[3].prev_hash, links[3].row_hash)
    head = Head(5, last.row_hash, KEY.seal(5, last.row_hash))
    broken = walk([*links[:2], forged, after, last], head, KEY).broken
    assert (broken.row_id, broken.fault) == (3, Fault.FORGED)


def test_a_cut_tail_is_named_at_the_last_record_left():
    links, head = chain(5)
    verdict = walk(links[:3], head, KEY)
    assert verdict.verified == 3
    assert (verdict.broken.row_id, verdict.broken.fault) == (3, Fault.TAIL_CUT)
    assert "ends at record 5" in verdict.broken.explanation


def test_every_record_gone_is_a_cut_tail():
    _, head = chain(5)
    broken = walk([], head, KEY).broken
    assert (broken.row_id, broken.fault) == (None, Fault.TAIL_CUT)


def test_a_cut_tail_with_a_head_moved_back_by_someone_without_the_key_is_named():
    links, _ = chain(5)
    moved = Head(3, links[2].row_hash, "0" * 64)
    broken = walk(links[:3], moved, KEY).broken
    assert (broken.fault, broken.row_id) == (Fault.HEAD, None)
    assert "seal" in broken.explanation


def test_an_older_copy_of_the_head_is_named_at_the_first_record_beyond_it():
    links, _ = chain(5)
    old = Head(3, links[2].row_hash, KEY.seal(3, links[2].row_hash))
    broken = walk(links, old, KEY).broken
    assert (broken.row_id, broken.fault) == (4, Fault.HEAD)


def test_records_without_a_head_are_named():
    links, _ = chain(2)
    broken = walk(links, None, KEY).broken
    assert broken.fault == Fault.HEAD
    assert "missing" in broken.explanation


def test_a_record_stored_differently_from_what_was_hashed_is_named():
    links, head = chain(4)
    links[2] = dataclasses.replace(links[2], misspelt=("at", "patient_id"))
    broken = walk(links, head, KEY).broken
    assert (broken.fault, broken.row_id, broken.at) == (Fault.MISSPELT, 3, links[2].fields.at)
    assert "stored differently from what was hashed" in broken.describe()
    assert "its at and patient_id read back as the values its hash covers" in broken.explanation


def test_a_change_before_a_misspelling_is_named_first_and_a_change_wins_on_one_record():
    links, head = chain(4)
    links[3] = dataclasses.replace(links[3], misspelt=("details",))
    links[1] = dataclasses.replace(links[1], fields=fields(1, reason="rewritten"))
    assert walk(links, head, KEY).broken.row_id == 2
    links[1] = dataclasses.replace(links[1], misspelt=("summary",))
    assert walk(links, head, KEY).broken.fault == Fault.CHANGED


def test_the_seal_is_checked_under_the_key_that_made_it():
    _, head = chain(2)
    assert KEY.seals(head.last_id, head.last_hash, head.seal)
    assert not ChainKey("another key").seals(head.last_id, head.last_hash, head.seal)
    assert not KEY.seals(head.last_id + 1, head.last_hash, head.seal)
