"""A backup file: a header, then the database in chunks, each sealed with AES-256-GCM.

Pure Python (no Django), so that the format is tested without a database (ADR 0029).

The file is::

    "COXABKUP"  format version (1 byte)  salt (32)  key check (16)
    header length (4, big-endian)  header (JSON, UTF-8)  header tag (16)
    then chunks, each: kind (1: 1 a chunk, 2 the last)  length (4)  ciphertext and tag

The key (``COXA_BACKUP_KEY``, 32 random bytes) never enters the file: each file has its own
key, derived from it and the file's random salt with HKDF-SHA256, so that two files never
share a key and the nonces can count. The key check (more HKDF output, which tells nothing
of the key) tells a wrong key from a damaged file. The header is in clear, so that a file
can be identified without the key, and is authenticated with everything before it; every
chunk is bound to the header (its associated data is the header's digest), to its index
and to whether it is the last (both in its nonce): so a chunk altered, moved, dropped or
taken from another file, and a file cut short or run on, are refused. Decrypting writes
the database out chunk by chunk: a multi-GB database never sits whole in memory, and what
was written is used only once the last chunk has verified.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

# cryptography is loaded when a file is sealed or opened, not by the settings that read the
# key with parse_key (every process's start; issue 20).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"COXABKUP"
FORMAT_VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 32
CHECK_BYTES = 16
TAG_BYTES = 16
CHUNK_BYTES = 1 << 20  # of plaintext: 1 MiB
MAX_HEADER_BYTES = 1 << 16
_CHUNK, _LAST, _HEADER = 1, 2, 3  # what a nonce seals: a chunk, the last chunk, the header
_PURPOSE = b"coxa backup, format 1"
_LENGTH = 4
ZLIB_LEVEL = 3  # fast, and most of the gain (SQLite pages compress about four to one)


class BackupRefusedError(Exception):
    """A backup that cannot be made or restored; the message names the reason."""


class WrongKeyError(BackupRefusedError):
    """The key does not open this file."""


class DamagedError(BackupRefusedError):
    """The file was altered, cut short or run on: it does not verify."""


def new_key() -> str:
    """A fresh key for ``COXA_BACKUP_KEY``: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """The key's bytes, from the base64 ``new_key`` gives; ValueError says what is wrong."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("it is not URL-safe base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"it holds {len(raw)} bytes, not {KEY_BYTES}")
    return raw


@dataclass(frozen=True)
class Header:
    """What a backup says of itself: read in clear, trusted only once authenticated."""

    vendor: str  # "sqlite" or "postgresql"
    coxa_version: str
    created_at: dt.datetime  # UTC
    migrations: dict[str, str]  # each app's latest applied migration
    audit_last_id: int  # the audit chain's head in the backed-up database
    audit_last_hash: str
    compression: str = "none"  # "zlib" (SQLite) or "none" (pg_dump compresses its own)
    format: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def as_bytes(self) -> bytes:
        data = {
            "format": self.format,
            "vendor": self.vendor,
            "coxa_version": self.coxa_version,
            "created_at": self.created_at.astimezone(dt.UTC).isoformat(),
            "migrations": dict(sorted(self.migrations.items())),
            "audit_last_id": self.audit_last_id,
            "audit_last_hash": self.audit_last_hash,
            "compression": self.compression,
            **self.extra,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def of(cls, raw: bytes) -> "Header":
        try:
            data = json.loads(raw.decode("utf-8"))
            header = cls(
                format=int(data.pop("format")),
                vendor=str(data.pop("vendor")),
                coxa_version=str(data.pop("coxa_version")),
                created_at=dt.datetime.fromisoformat(data.pop("created_at")),
                migrations={str(k): str(v) for k, v in data.pop("migrations").items()},
                audit_last_id=int(data.pop("audit_last_id")),
                audit_last_hash=str(data.pop("audit_last_hash")),
                compression=str(data.pop("compression")),
                extra=data,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DamagedError(f"its header cannot be read ({error})") from None
        if header.compression not in ("none", "zlib"):
            raise DamagedError(f"its header names an unknown compression {header.compression}")
        return header


@dataclass(frozen=True)
class Sealed:
    """A backup whose header has verified under the key: ready to decrypt."""

    header: Header
    aead: "AESGCM"
    bound: bytes  # the digest of everything before the chunks: every chunk's associated data


def _derive(key: bytes, salt: bytes) -> "tuple[AESGCM, bytes]":
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415

    if len(key) != KEY_BYTES:
        raise ValueError(f"a backup key is {KEY_BYTES} bytes")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES + CHECK_BYTES, salt=salt, info=_PURPOSE
    ).derive(key)
    return AESGCM(derived[:KEY_BYTES]), derived[KEY_BYTES:]


def _nonce(kind: int, index: int) -> bytes:
    """12 bytes: what is sealed (a chunk, the last chunk, the header), then the index."""
    return bytes((kind, 0, 0, 0)) + index.to_bytes(8, "big")


def _read(source: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or fewer only at the end (a pipe gives what it has at each read)."""
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _blocks(source: IO[bytes]) -> Iterator[bytes]:
    while block := _read(source, CHUNK_BYTES):
        yield block


def _deflated(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The blocks compressed as one zlib stream, cut again into chunks."""
    squeezer = zlib.compressobj(ZLIB_LEVEL)
    pending = bytearray()
    for block in blocks:
        pending += squeezer.compress(block)
        while len(pending) >= CHUNK_BYTES:
            yield bytes(pending[:CHUNK_BYTES])
            del pending[:CHUNK_BYTES]
    pending += squeezer.flush()
    for start in range(0, len(pending), CHUNK_BYTES):
        yield bytes(pending[start : start + CHUNK_BYTES])


def write(out: IO[bytes], source: IO[bytes], header: Header, key: bytes) -> None:
    """Write ``source`` (read to its end) to ``out`` as a backup under ``key``."""
    salt = os.urandom(SALT_BYTES)
    aead, check = _derive(key, salt)
    described = header.as_bytes()
    if len(described) > MAX_HEADER_BYTES:
        raise ValueError("the header is too long")
    preamble = b"".join(
        (MAGIC, bytes((header.format,)), salt, check, len(described).to_bytes(_LENGTH, "big"))
    )
    preamble += described
    tag = aead.encrypt(_nonce(_HEADER, 0), b"", preamble)
    out.write(preamble + tag)
    bound = hashlib.sha256(preamble + tag).digest()
    chunks = _deflated(_blocks(source)) if header.compression == "zlib" else _blocks(source)
    current = next(chunks, b"")
    index = 0
    while True:
        following = next(chunks, None)
        kind = _LAST if following is None else _CHUNK
        sealed = aead.encrypt(_nonce(kind, index), current, bound)
        out.write(bytes((kind,)) + len(sealed).to_bytes(_LENGTH, "big") + sealed)
        if following is None:
            return
        current, index = following, index + 1


def _exactly(source: IO[bytes], size: int, what: str) -> bytes:
    data = _read(source, size)
    if len(data) < size:
        raise DamagedError(f"it is cut short (truncated) in its {what}")
    return data


def read_header(source: IO[bytes], key: bytes) -> Sealed:
    """Read and authenticate the header; the source is left at the first chunk."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415

    magic = _read(source, len(MAGIC))
    if magic != MAGIC:
        raise BackupRefusedError("it is not a Coxa backup (it does not begin as one)")
    version = _exactly(source, 1, "header")[0]
    if version != FORMAT_VERSION:
        raise BackupRefusedError(
            f"it is in backup format {version}; this Coxa reads format {FORMAT_VERSION}"
        )
    salt = _exactly(source, SALT_BYTES, "header")
    check = _exactly(source, CHECK_BYTES, "header")
    length_bytes = _exactly(source, _LENGTH, "header")
    length = int.from_bytes(length_bytes, "big")
    if length > MAX_HEADER_BYTES:
        raise DamagedError("its header's length was altered")
    described = _exactly(source, length, "header")
    tag = _exactly(source, TAG_BYTES, "header")
    aead, expected = _derive(key, salt)
    if not hmac.compare_digest(check, expected):
        raise WrongKeyError(
            "COXA_BACKUP_KEY does not open it: it was made with another key "
            "(or its first bytes were altered)"
        )
    preamble = MAGIC + bytes((version,)) + salt + check + length_bytes + described
    try:
        aead.decrypt(_nonce(_HEADER, 0), tag, preamble)
    except InvalidTag:
        raise DamagedError("its header was altered") from None
    return Sealed(Header.of(described), aead, hashlib.sha256(preamble + tag).digest())


def _chunks(sealed: Sealed, source: IO[bytes]) -> Iterator[bytes]:
    """Each chunk's plaintext, in order, verified; refuses a file cut short or run on."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415

    index = 0
    while True:
        kind_byte = _read(source, 1)
        if not kind_byte:
            raise DamagedError(f"it is cut short (truncated): it ends after part {index}")
        kind = kind_byte[0]
        length = int.from_bytes(_exactly(source, _LENGTH, f"part {index + 1}"), "big")
        if kind not in (_CHUNK, _LAST) or not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
            raise DamagedError(f"it was altered in part {index + 1}")
        body = _exactly(source, length, f"part {index + 1}")
        try:
            yield sealed.aead.decrypt(_nonce(kind, index), body, sealed.bound)
        except InvalidTag:
            raise DamagedError(
                f"it was altered in part {index + 1} (or its parts were moved or cut)"
            ) from None
        if kind == _LAST:
            if source.read(1):
                raise DamagedError("it runs on after its last part (bytes were added)")
            return
        index += 1


def decrypt(sealed: Sealed, source: IO[bytes], out: IO[bytes]) -> int:
    """Write the verified plaintext to ``out``; the number of bytes written.

    Use ``out`` only if this returns: a refusal can come at the last chunk.
    """
    written = 0
    inflater = zlib.decompressobj() if sealed.header.compression == "zlib" else None
    for plain in _chunks(sealed, source):
        data = plain if inflater is None else inflater.decompress(plain)
        out.write(data)
        written += len(data)
    if inflater is not None:
        tail = inflater.flush()
        out.write(tail)
        written += len(tail)
        if not inflater.eof or inflater.unused_data:
            raise DamagedError("its compressed data does not end where it should")
    return written
