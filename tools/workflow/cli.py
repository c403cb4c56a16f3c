"""Exit codes of the workflow tasks and the one exception type that carries them."""

from __future__ import annotations

from enum import IntEnum


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
