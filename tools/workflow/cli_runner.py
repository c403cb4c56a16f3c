"""Turn a workflow call into an exit code: one ``error:`` line (plus details) on failure."""

from __future__ import annotations

from collections.abc import Callable

from tools.workflow.cli import ExitCode, Reporter, WorkflowError


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
