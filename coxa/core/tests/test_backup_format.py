"""The backup file's format: what is sealed reads back whole, and nothing else reads at all."""

import base64
import dataclasses
import datetime as dt
import io
import os

import pytest

from coxa.core import backup_format as fmt

KEY = bytes(range(32))
SMALL = 64  # chunk size for the tests that alter every byte


def header(**changes):
    made = fmt.Header(
        vendor="sqlite",
        coxa_version="0.1.0",
        created_at=dt.datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=dt.UTC),
        migrations={"core": "0005_job_runs", "patients": "0003_x"},
        audit_last_id=7,
        audit_last_hash="ab" * 32,
    )
    return dataclasses.replace(made, **changes)


def seal(data, *, key=KEY, **changes):
    out = io.BytesIO()
    fmt.write(out, io.BytesIO(data), header(**changes), key)
    return out.getvalue()


def open_(blob, key=KEY):
    source = io.BytesIO(blob)
    sealed = fmt.read_header(source, key)
    out = io.BytesIO()
    written = fmt.decrypt(sealed, source, out)
    assert written == len(out.getvalue())
    return sealed.header, out.getvalue()


def records(blob):
    """The file cut into its preamble and each chunk's record (kind, length, body)."""
    length = int.from_bytes(blob[57:61], "big")
    start = 61 + length + fmt.TAG_BYTES
    parts = [blob[:start]]
    while start < len(blob):
        size = int.from_bytes(blob[start + 1 : start + 5], "big")
        parts.append(blob[start : start + 5 + size])
        start += 5 + size
    return parts


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(fmt, "CHUNK_BYTES", SMALL)


def compressible(size):
    return (os.urandom(97) * (size // 97 + 1))[:size]


@pytest.mark.parametrize("compression", ["none", "zlib"])
@pytest.mark.parametrize(
    "size", [0, 1, fmt.CHUNK_BYTES - 1, fmt.CHUNK_BYTES, fmt.CHUNK_BYTES + 1, 2 * fmt.CHUNK_BYTES]
)
def test_what_is_sealed_reads_back_whole(size, compression):
    data = compressible(size)
    blob = seal(data, compression=compression)
    read, plain = open_(blob)
    assert plain == data
    assert read == header(compression=compression)
    assert read.created_at.microsecond == 456789
    if compression == "zlib" and size > fmt.CHUNK_BYTES:
        assert len(blob) < size / 10  # compressed before it was encrypted


def test_random_data_that_does_not_compress_reads_back_in_many_chunks():
    data = os.urandom(3 * fmt.CHUNK_BYTES + 11)
    blob = seal(data, compression="zlib")
    assert len(records(blob)) >= 5  # the preamble and four chunks or more
    assert open_(blob)[1] == data


def test_a_pipe_that_gives_a_little_at_a_time_is_read_to_its_end():
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 1000) if size and size > 0 else 1000)

    data = compressible(fmt.CHUNK_BYTES + 5000)
    out = io.BytesIO()
    fmt.write(out, Trickle(data), header(), KEY)
    source = Trickle(out.getvalue())
    sealed = fmt.read_header(source, KEY)
    plain = io.BytesIO()
    fmt.decrypt(sealed, source, plain)
    assert plain.getvalue() == data


def test_the_header_is_in_clear_and_keeps_what_it_does_not_know():
    blob = seal(b"x", extra={"note": "from a later release"})
    assert b'"vendor":"sqlite"' in blob[:400]
    assert open_(blob)[0].extra == {"note": "from a later release"}


def test_another_key_is_named_as_the_reason():
    blob = seal(b"the database")
    with pytest.raises(fmt.WrongKeyError, match="COXA_BACKUP_KEY does not open it"):
        open_(blob, key=bytes(32))


def test_every_byte_altered_anywhere_is_refused(small_chunks):
    blob = seal(compressible(3 * SMALL + 10))
    assert len(records(blob)) == 5
    for position in range(len(blob)):
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(fmt.BackupRefusedError):
            open_(bytes(altered))


def test_a_file_cut_short_anywhere_is_refused(small_chunks):
    blob = seal(compressible(3 * SMALL + 10))
    for end in range(len(blob)):
        with pytest.raises(fmt.BackupRefusedError):
            open_(blob[:end])
    cut = b"".join(records(blob)[:-1])  # at a chunk's end: only the last flag tells
    with pytest.raises(fmt.DamagedError, match="cut short"):
        open_(cut)


def test_a_file_run_on_is_refused():
    with pytest.raises(fmt.DamagedError, match="runs on"):
        open_(seal(b"the database") + b"\x00")


def test_chunks_moved_dropped_or_taken_from_another_file_are_refused(small_chunks):
    preamble, *chunks = records(seal(compressible(3 * SMALL)))
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    dropped = [chunks[0], *chunks[2:]]
    _, *others = records(seal(compressible(3 * SMALL)))  # same key, its own salt
    spliced = [others[0], *chunks[1:]]
    for parts in (swapped, dropped, spliced):
        with pytest.raises(fmt.DamagedError, match="altered"):
            open_(preamble + b"".join(parts))
    assert open_(preamble + b"".join(chunks))  # the parts as written still read


def test_a_chunk_marked_as_the_last_is_refused(small_chunks):
    preamble, first, *_ = records(seal(compressible(3 * SMALL)))
    with pytest.raises(fmt.DamagedError, match="altered"):
        open_(preamble + bytes((2,)) + first[1:])


def test_a_file_that_is_not_a_backup_or_of_another_format_is_refused():
    for blob in (b"", b"SQLite format 3\x00" + os.urandom(100)):
        with pytest.raises(fmt.BackupRefusedError, match="not a Coxa backup"):
            open_(blob)
    later = bytearray(seal(b"x"))
    later[8] = 2
    with pytest.raises(fmt.BackupRefusedError, match="format 2; this Coxa reads format 1"):
        open_(bytes(later))


def test_neither_the_key_nor_the_data_is_in_the_file():
    data = b"LOVELACE-BYRON, Ada; NHS 943 476 5919; " * 2000
    for compression in ("none", "zlib"):
        blob = seal(data, compression=compression)
        assert b"LOVELACE" not in blob
        assert KEY not in blob
        assert base64.urlsafe_b64encode(KEY) not in blob
        assert open_(blob)[1] == data


def test_new_keys_are_random_and_read_back():
    one, other = fmt.new_key(), fmt.new_key()
    assert one != other
    assert len(fmt.parse_key(one)) == fmt.KEY_BYTES
    assert fmt.parse_key(one.rstrip("=")) == fmt.parse_key(one)  # padding may be left off


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not base64!", "not URL-safe base64"),
        (base64.urlsafe_b64encode(bytes(16)).decode(), "holds 16 bytes, not 32"),
        ("", "holds 0 bytes"),
    ],
)
def test_a_key_that_is_not_one_is_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        fmt.parse_key(text)


def test_a_header_that_cannot_be_read_is_refused():
    with pytest.raises(fmt.DamagedError, match="header cannot be read"):
        fmt.Header.of(b'{"format": 1}')
    with pytest.raises(fmt.DamagedError, match="unknown compression"):
        fmt.Header.of(header(compression="lzma").as_bytes())
