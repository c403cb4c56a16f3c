"""Byte-preserving, atomic edits of one entry heading (status or id).

Only the bytes of the heading line between its start and its line ending change; every other
byte of the file, line endings included, stays identical. Files are replaced atomically with a
temporary file in the same directory and ``os.replace``.
"""

from __future__ import annotations

from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.ledger.model import STATUSES, LedgerEntry, TaskId, line_ending, split_keepends
from tools.workflow.ledger.parse import TASK_HEADING


def _replace_group(data: bytes, entry: LedgerEntry, group: str, value: str) -> bytes:
    if entry.kind != "task":
        raise WorkflowError(
            ExitCode.USAGE,
            f"line {entry.heading_line}: '{entry.title}' is a free-form section without a "
            f"status/id heading; edit it by hand",
        )
    lines = split_keepends(data)
    index = entry.heading_line - 1
    if index >= len(lines):
        raise WorkflowError(
            ExitCode.USAGE, f"line {entry.heading_line}: the ledger is shorter than expected"
        )
    raw = lines[index]
    ending = line_ending(raw)
    body = raw[: len(raw) - len(ending)]
    bom = b""
    if index == 0 and body.startswith(b"\xef\xbb\xbf"):
        bom, body = body[:3], body[3:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkflowError(
            ExitCode.USAGE, f"line {entry.heading_line}: the heading is not valid UTF-8"
        ) from None
    match = TASK_HEADING.match(text)
    if text != entry.heading or match is None:
        raise WorkflowError(
            ExitCode.USAGE,
            f"line {entry.heading_line}: expected heading '{entry.heading}' but the file "
            "changed; re-run the command",
        )
    start, end = match.span(group)
    new_text = text[:start] + value + text[end:]
    lines[index] = bom + new_text.encode("utf-8") + ending
    return b"".join(lines)


def with_status(data: bytes, entry: LedgerEntry, status: str) -> bytes:
    """``data`` with ``entry``'s heading carrying ``status`` instead."""
    if status not in STATUSES:
        raise WorkflowError(
            ExitCode.USAGE, f"unknown status '{status}': expected one of {', '.join(STATUSES)}"
        )
    return _replace_group(data, entry, "status", status)


def with_identifier(data: bytes, entry: LedgerEntry, task_id: TaskId) -> bytes:
    """``data`` with ``entry``'s heading carrying ``task_id`` instead."""
    return _replace_group(data, entry, "id", str(task_id))


def write_atomically(path: Path, expected: bytes, new: bytes) -> None:
    """Replace ``path`` by ``new`` atomically, refusing if it no longer holds ``expected``."""
    current = path.read_bytes()
    if current != expected:
        raise WorkflowError(
            ExitCode.USAGE, f"{path}: changed on disk while being edited; re-run the command"
        )
    atomic_write_bytes(path, new)
