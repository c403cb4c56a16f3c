"""How a workflow task talks to the user: the exit codes and the one error type that carries
them, and the two output streams."""

from __future__ import annotations

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
