"""How a workflow task talks to the user: the exit codes and the one error type that carries
them, the two output streams, the runner that turns an error into one ``error:`` line and its
exit code, and plain-text tables."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TextIO


class ExitCode(IntEnum):
    """Process exit codes shared by every workflow task (documented in docs/workflow.md)."""

    OK = 0
    CHECK_FAILED = 1
    """A check found problems: ledger lint, commit message, size budget, quality gate, CI."""
    USAGE = 2
    """Bad arguments, unknown or ambiguous task, missing ledger or guideline file."""
    REFUSED = 3
    """The repository is not in a safe state for the operation; nothing was changed."""
    STOPPED = 4
    """An operation stopped half-way (conflict, rejected push); resume with continue/abort."""
    EXTERNAL = 5
    """git or gh failed in an unexpected way."""


class WorkflowError(Exception):
    """A failure reported to the user as one error line (plus optional detail lines)."""

    def __init__(
        self, code: ExitCode, message: str, details: tuple[str, ...] | list[str] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


@dataclass(frozen=True)
class Reporter:
    """Two text streams; tests pass io.StringIO, the tasks pass sys.stdout and sys.stderr."""

    out: TextIO
    err: TextIO

    def write(self, text: str) -> None:
        """Text on stdout as it is (a quality gate's output while it runs)."""
        _write(self.out, text)

    def say(self, text: str = "") -> None:
        _write(self.out, text + "\n")

    def warn(self, text: str) -> None:
        _write(self.err, f"warning: {text}\n")

    def error(self, text: str) -> None:
        _write(self.err, f"error: {text}\n")

    def note(self, text: str) -> None:
        """A detail line on stderr, printed after an error or warning."""
        _write(self.err, f"  {text}\n")


def _write(stream: TextIO, text: str) -> None:
    """Write and flush. When the reader has gone away (``invoke tasks | head -1``), the rest of
    the output goes to the null device instead: the task still finishes what it started, and
    no BrokenPipeError reaches the user, now or when Python flushes the stream at exit."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


def run_reported(action: Callable[[], object], reporter: Reporter) -> int:
    """Run ``action``; a :class:`WorkflowError` becomes its message and its exit code."""
    try:
        action()
    except WorkflowError as error:
        reporter.error(error.message)
        for detail in error.details:
            reporter.note(detail)
        return int(error.code)
    return int(ExitCode.OK)


def ask_yes_no(question: str) -> bool:
    """Ask on the terminal; only an explicit yes counts."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


MIN_FLEXIBLE_WIDTH = 8
"""A flexible column is never cut below this many characters."""
_GAP = "  "


def fit_widths(widths: Sequence[int], limit: int, flexible: Sequence[int]) -> list[int]:
    """Column widths whose table fits ``limit`` characters: the widest flexible column gives up
    one character at a time, none below :data:`MIN_FLEXIBLE_WIDTH`. When that is not enough
    the table stays wider than ``limit``."""
    fitted = list(widths)
    excess = sum(fitted) + len(_GAP) * (len(fitted) - 1) - limit
    while excess > 0:
        candidates = [i for i in flexible if fitted[i] > MIN_FLEXIBLE_WIDTH]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: fitted[i])
        fitted[widest] -= 1
        excess -= 1
    return fitted


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    limit: int | None = None,
    flexible: Sequence[int] = (),
) -> list[str]:
    """Header, a rule, then one line per row; trailing spaces trimmed. With ``limit`` the
    ``flexible`` columns (indexes) are cut, with an ellipsis, until the lines fit."""
    widths = [len(header) for header in headers]
    for row in rows:
        for column, cell in enumerate(row):
            widths[column] = max(widths[column], len(cell))
    if limit is not None:
        widths = fit_widths(widths, limit, flexible)

    def line(cells: Sequence[str]) -> str:
        return _GAP.join(
            shorten(cell, widths[i]).ljust(widths[i]) for i, cell in enumerate(cells)
        ).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)]
