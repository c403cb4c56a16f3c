"""``invoke continue`` and ``invoke abort``: finish or undo an interrupted sync, ship or
release."""

from __future__ import annotations

import datetime

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commands.release import Tools, abort_release, continue_release
from tools.workflow.commands.ship import abort_ship, run_ship_steps
from tools.workflow.commands.sync import abort_sync, continue_sync
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import Operation, load_operation


def _pending(git: Git, action: str) -> Operation:
    operation = load_operation(git)
    if operation is None:
        raise WorkflowError(
            ExitCode.USAGE,
            f"nothing to {action}: no interrupted invoke sync, invoke ship or invoke release "
            "(a rebase or merge you started yourself is finished with git itself)",
        )
    return operation


def continue_operation(
    git: Git,
    reporter: Reporter,
    main_branch: str = "main",
    remote: str = "origin",
    tools: Tools | None = None,
) -> Operation:
    """``tools`` (uv and today's date) are needed only to continue a release."""
    operation = _pending(git, "continue")
    if operation.kind == "sync":
        continue_sync(git, reporter, operation)
    elif operation.kind == "release":
        continue_release(
            git, reporter, operation, tools or Tools(None, datetime.date.today()), remote
        )
    else:
        run_ship_steps(git, reporter, operation, main_branch, remote)
    return operation


def abort_operation(
    git: Git, reporter: Reporter, main_branch: str = "main", remote: str = "origin"
) -> Operation:
    operation = _pending(git, "abort")
    if operation.kind == "sync":
        abort_sync(git, reporter, operation)
    elif operation.kind == "release":
        abort_release(git, reporter, operation, remote)
    else:
        abort_ship(git, reporter, operation, main_branch, remote)
    return operation
