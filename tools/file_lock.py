"""An exclusive ``flock`` on a file, held for a block: one tool run at a time on the same files.

The kernel releases the lock when its holder's process ends, however it ends (SIGKILL
included), so there is no stale lock to detect or break. The file holds the holder's pid, for
the message the next comer gets.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Generator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path, busy: Callable[[str], object]) -> Generator[None]:
    """Hold the lock on ``path`` (created with its directory) for the block. If another
    process holds it, ``busy`` gets that holder's pid ("?" if unknown) first: it raises to
    refuse, or returns to wait for the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            busy(lock.read().strip() or "?")
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield
