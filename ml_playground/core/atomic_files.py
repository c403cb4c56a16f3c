"""Crash-safe file writes: a reader sees the old file or the complete new one, never a part."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def permissions_for(target: Path) -> int:
    """The permission bits ``target`` has, or for a new file those ``open()`` would give it
    (0o666 less the umask): a replacement never changes who may read the file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        # Equivalent: only the mask it returns is used; the next line puts that one back.
        umask = os.umask(0)  # pragma: no mutate
        os.umask(umask)
        return 0o666 & ~umask


def stage(target: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Fill a fsynced temp file beside ``target``, with the permissions of
    :func:`permissions_for`; the caller renames or removes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    staged = Path(name)
    try:
        staged.chmod(permissions_for(target))
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def write_staged(target: Path, data: bytes) -> Path:
    return stage(target, lambda handle: handle.write(data))


def atomic_write(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``target`` with what ``write`` produces, or leave it untouched on failure."""
    staged = stage(target, write)
    try:
        staged.replace(target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    atomic_write(target, lambda handle: handle.write(data))


def fsync_directory(directory: Path) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
