"""How a workflow task talks to the user: the exit codes and the one error type that carries
them, the two output streams, the runner that turns an error into one ``error:`` line and its
exit code, and plain-text tables."""

from __future__ import annotations

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

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(f"warning: {text}\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.err.write(f"error: {text}\n")
        self.err.flush()

    def note(self, text: str) -> None:
        """A detail line on stderr, printed after an error or warning."""
        self.err.write(f"  {text}\n")
        self.err.flush()


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


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Header, a rule, then one line per row; trailing spaces trimmed."""
    widths = [len(header) for header in headers]
    for row in rows:
        for column, cell in enumerate(row):
            widths[column] = max(widths[column], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)]
