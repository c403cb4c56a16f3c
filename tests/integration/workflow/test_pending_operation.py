"""While an interrupted sync or ship waits for invoke continue or invoke abort, every task
that could change the repository refuses, naming the operation and both ways out."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.commands.pr import open_pull_request
from tools.workflow.commands.ship import ship
from tools.workflow.commands.start_task import start_task
from tools.workflow.commands.sync import sync_branch
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import Operation, save_operation

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration

TASKS: dict[str, tuple[str, Callable[[Git, Reporter], object]]] = {
    "start-task": ("start a task", lambda git, out: start_task(git, out, "tv-2025-10-03")),
    "commit": ("commit", lambda git, out: commit_staged(git, out, "docs: add x", None, ["true"])),
    "pr": (
        "open a pull request",
        lambda git, out: open_pull_request(git, out, ["true"], None, datetime.date(2025, 1, 1)),
    ),
    "sync": ("sync", lambda git, out: sync_branch(git, out)),
    "ship": ("ship", lambda git, out: ship(git, out, None)),
}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_a_task_refuses_while_a_ship_is_pending(
    seed_scratch: Scratch, out: Captured, task: str
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/pending-ship")
    head = str(seed_scratch.rev("HEAD"))
    save_operation(
        seed_scratch.git, Operation("ship", "docs/pending-ship", "push-main", head, head)
    )
    action, run = TASKS[task]

    with pytest.raises(WorkflowError) as caught:
        run(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        f"refusing to {action}: an interrupted ship of 'docs/pending-ship' is pending "
        "(invoke continue or invoke abort)"
    )
    assert seed_scratch.rev("HEAD") == head
