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


_GAP = "  "


def fit_columns(
    widths: Sequence[int], limit: int, first: int, floor: int, drop_order: Sequence[int]
) -> list[int]:
    """Column widths for a table of at most ``limit`` characters that gives column ``first``
    the room first: it keeps at least ``floor`` characters (or all of itself when shorter)
    while the columns of ``drop_order`` are dropped (width 0), in that order, until the rest
    fits; the room left then goes to ``first``, up to its full width. Other columns are never
    cut, so a table with nothing left to drop may stay wider than ``limit``."""
    fitted = list(widths)
    kept_first = min(widths[first], floor)

    def others() -> int:
        shown = [width for i, width in enumerate(fitted) if width and i != first]
        return sum(shown) + len(_GAP) * len(shown)

    for column in drop_order:
        if others() + kept_first <= limit:
            # Equivalent: once the rest fits nothing changes, so every later check fits too.
            break  # pragma: no mutate
        fitted[column] = 0
    fitted[first] = max(kept_first, min(widths[first], limit - others()))
    return fitted


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] | None = None
) -> list[str]:
    """Header, a rule, then one line per row; trailing spaces trimmed. With ``widths`` (from
    :func:`fit_columns`) a column of width 0 is left out and longer cells are cut with an
    ellipsis; without, every cell is shown whole."""
    shown = table_widths(headers, rows) if widths is None else widths

    def line(cells: Sequence[str]) -> str:
        return _GAP.join(
            shorten(cell, shown[i]).ljust(shown[i]) for i, cell in enumerate(cells) if shown[i]
        ).rstrip()

    return [line(headers), line(["-" * width for width in shown]), *(line(row) for row in rows)]


def table_widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The width of each column when every cell is shown whole."""
    widths = [len(header) for header in headers]
    for row in rows:
        for column, cell in enumerate(row):
            widths[column] = max(widths[column], len(cell))
    return widths
