"""Writing files so that a reader never sees half of one: all of the new file, or the old.

Every file Coxa writes (extracts, report tables, plots, reports, anything under ``var/``)
goes through ``atomic_write``: the bytes go to a temporary file in the same directory,
are flushed and synced to disk, and only then take the file's name with ``os.replace``
(atomic on POSIX and Windows within one file system). A write that fails or is killed
midway leaves the previous file, or none, and at worst a hidden ``.<name>.*.tmp`` that no
reader lists; never a truncated or empty file under the real name.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

# The process's umask, read once at import (reading it means setting it, so never later,
# when other threads may be creating files).
_UMASK = os.umask(0o022)
os.umask(_UMASK)
TEMPORARY_SUFFIX = ".tmp"


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets what ``open`` would give it."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); some systems cannot open a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_write(
    path: Path | str,
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    permissions: int | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file to write ``path``; it takes the name only if the block ends well.

    ``mode`` is "wb" or "w" (text, with ``encoding`` and ``newline`` as for ``open``).
    ``permissions`` (0o600 for a backup) replaces the file's own or the umask's; the
    temporary file is 0600 until then.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes a whole file: mode 'w' or 'wb', not {mode!r}")
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent
    )
    try:
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(target) if permissions is None else permissions)
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def write_bytes(path: Path | str, data: bytes) -> None:
    """``Path.write_bytes``, atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def write_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> None:
    """``Path.write_text``, atomically."""
    with atomic_write(path, "w", encoding=encoding) as handle:
        handle.write(text)


def make_folders(folders: list[Path]) -> list[tuple[Path, OSError]]:
    """Make each folder that is missing; the ones that could not be made, with why.

    Called once when Coxa starts (``core.apps``), never when settings are imported. A folder
    that cannot be made (a read-only image with no writable ``COXA_VAR_DIR``) is reported,
    not raised: what needs it then fails with its own message (SQLite: "unable to open
    database file"), and a process that needs neither still starts.
    """
    failed = []
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            failed.append((folder, error))
    return failed
