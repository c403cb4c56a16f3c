"""One writer per run directory: ``train`` (also ``loop`` and ``--fresh``) holds an exclusive
``flock`` on ``out_dir/.lock`` while it runs.

The kernel releases the lock when its process ends, however it ends, so a lock left by a
killed run is simply taken over: there is no stale lock to detect or break. The file holds the
holder's pid, for the message a second writer gets.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from ml_playground.core.errors import RunError

LOCK_FILE = ".lock"


@contextmanager
def run_lock(out_dir: Path) -> Generator[None]:
    """Hold ``out_dir``'s lock for the block; another holder is a RunError naming its pid."""
    path = out_dir / LOCK_FILE
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        reason = "Not a directory" if isinstance(exc, FileExistsError) else exc.strerror
        raise RunError(
            f"cannot write the run's files in {out_dir} (train.runtime.out_dir): {reason}"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            raise RunError(
                f"{out_dir} is in use by another run (pid {holder}); wait for it to end, or"
                " choose another train.runtime.out_dir"
            ) from None
        # Equivalent: truncating to 1 byte is the same; the pid (2+ bytes) written next covers it.
        os.ftruncate(fd, 0)  # pragma: no mutate
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)
