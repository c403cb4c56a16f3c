"""Committed files generated from coverage data: written atomically, and only when they change."""

from __future__ import annotations

from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes


def committed_text(path: Path) -> str | None:
    """The current content of ``path`` (bytes decoded as UTF-8, no newline translation), or
    None when the file does not exist."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def update(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; True when written."""
    if committed_text(path) == text:
        return False
    atomic_write_bytes(path, text.encode("utf-8"))
    return True
