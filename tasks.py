"""Invoke tasks for the mandatory workflow: ledger -> branch -> gated commits -> PR -> ship.

Each task only parses its arguments and calls a function in tools/workflow/ (standard library
only). The workflow modules are imported inside the task bodies, so ``invoke --list`` costs no
more than importing invoke itself. The exit codes are listed in docs/workflow.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

if TYPE_CHECKING:
    from tools.workflow.cli import Reporter
    from tools.workflow.commands.release import Tools as ReleaseTools
    from tools.workflow.repo.git import Git


def _run(
    action: Callable[[Git, Reporter], object], refuse_while_pending: str | None = None
) -> None:
    """Run ``action`` in the repository of the current directory; an error becomes one line
    and the exit code. Tasks that change the repository refuse by themselves while a sync or
    ship is interrupted; the others name what they do ("list the tasks") to refuse here."""
    from tools.workflow.cli import Reporter, run_reported
    from tools.workflow.repo.git import Git
    from tools.workflow.repo.state import require_no_pending_operation

    reporter = Reporter(sys.stdout, sys.stderr)

    def in_repository() -> None:
        git = Git.discover(Path.cwd())
        if refuse_while_pending is not None:
            require_no_pending_operation(git, refuse_while_pending)
        action(git, reporter)

    code = run_reported(in_repository, reporter)
    if code:
        raise Exit(code=code)


@task(
    help={
        "all": "include Deferred and Done entries",
        "json": "print the entries as one JSON array instead of a table",
    }
)
def tasks(c: Context, all_: bool = False, json: bool = False) -> None:
    """Show the ledger: id, status, priority, size, title, branch, blocked-by."""
    import shutil

    from tools.workflow.commands.tasks import list_tasks

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    _run(
        lambda git, reporter: list_tasks(git.root, reporter, all_, width, as_json=json),
        "list the tasks",
    )


@task(
    help={
        "task_id": "ledger id, id prefix, 'Task N' or title words",
        "pick": "choose the N-th entry when the id is ambiguous",
    }
)
def start_task(c: Context, task_id: str, pick: str = "") -> None:
    """Create (or switch to) the entry's branch from an updated main; mark it In progress."""
    from tools.workflow.commands.start_task import parse_pick
    from tools.workflow.commands.start_task import start_task as start_entry

    _run(lambda git, reporter: start_entry(git, reporter, task_id, parse_pick(pick)))


@task(
    help={
        "message": "commit message; without it the next planned message is offered",
        "allow_large": "accept more than 200 touched lines, recording REASON as a trailer",
        "full": "run the full gate (nox -s quality) instead of the incremental nox -s changed",
        "all": "not supported: stage the slice to commit with git add first",
    }
)
def commit(
    c: Context, message: str = "", all_: bool = False, allow_large: str = "", full: bool = False
) -> None:
    """Check message and size, run the quality gate, then git commit (hooks enabled)."""
    from tools.workflow.cli import ExitCode, WorkflowError, ask_yes_no
    from tools.workflow.commands.commit import commit_staged
    from tools.workflow.quality_gate import gate_command

    def confirm(planned: str) -> bool:
        return ask_yes_no(f"Commit with the planned message '{planned}'?")

    def action(git: Git, reporter: Reporter) -> None:
        if all_:
            raise WorkflowError(
                ExitCode.USAGE,
                "invoke commit has no -a/--all: it commits exactly what is staged "
                "(stage a small slice with git add -p, then invoke commit -m MESSAGE)",
            )
        kind = "full" if full else "fast"
        commit_staged(
            git,
            reporter,
            message or None,
            allow_large or None,
            gate_command(kind, os.environ),
            confirm if sys.stdin.isatty() else None,
            kind=kind,
        )

    _run(action)


@task(
    help={
        "ready": "open the PR ready for review instead of as a draft",
        "number": "record the number of a PR opened by hand",
    }
)
def pr(c: Context, ready: bool = False, number: int = 0) -> None:
    """Re-check the branch, run the gate, push, open a draft PR, record its number."""
    import datetime
    import shutil

    from tools.workflow.commands.pr import open_pull_request
    from tools.workflow.quality_gate import gate_command

    gh = shutil.which("gh")
    today = datetime.date.today()
    _run(
        lambda git, reporter: open_pull_request(
            git,
            reporter,
            gate_command("full", os.environ),
            gh,
            today,
            ready=ready,
            number=number or None,
        )
    )


@task
def sync(c: Context) -> None:
    """Fetch and rebase the branch onto the updated main."""
    from tools.workflow.commands.sync import sync_branch

    _run(lambda git, reporter: sync_branch(git, reporter))


@task(name="continue")
def continue_(c: Context) -> None:
    """Finish an interrupted sync, ship or release."""
    from tools.workflow.commands.resume import continue_operation

    tools = _release_tools()
    _run(lambda git, reporter: continue_operation(git, reporter, tools=tools))


@task
def abort(c: Context) -> None:
    """Undo an interrupted sync, or a ship or release origin does not hold yet."""
    from tools.workflow.commands.resume import abort_operation

    _run(lambda git, reporter: abort_operation(git, reporter))


@task
def ship(c: Context) -> None:
    """Mark the entry Done, fast-forward main, push it, delete the branch."""
    import shutil

    from tools.workflow.commands.ship import ship as ship_branch

    gh = shutil.which("gh")
    _run(lambda git, reporter: ship_branch(git, reporter, gh))


def _release_tools() -> ReleaseTools:
    import datetime
    import shutil

    from tools.workflow.commands.release import Tools

    return Tools(shutil.which("uv"), datetime.date.today())


@task(help={"dry_run": "print the next version and its changelog section; change nothing"})
def release(c: Context, dry_run: bool = False) -> None:
    """Version, changelog, tag and twice-built artifacts from main's commits; push atomically."""
    from tools.workflow.commands.release import release as release_main

    tools = _release_tools()
    _run(lambda git, reporter: release_main(git, reporter, tools, dry_run=dry_run))


@task
def status(c: Context) -> None:
    """Active task, branch, and each commit ahead of main with its size and verdict."""
    from tools.workflow.commands.status import show_status

    _run(lambda git, reporter: show_status(git, reporter))


@task(help={"base": "compare against this commit (default: main, else origin/main)"})
def check_range(c: Context, base: str = "") -> None:
    """Check every commit in BASE..HEAD (message, size, no merges); CI runs this on PRs."""
    from tools.workflow.commands.check_range import default_base, run_check_range
    from tools.workflow.versioning import read_commit_types

    _run(
        lambda git, reporter: run_check_range(
            git,
            reporter,
            base or default_base(git, "main", "origin"),
            "HEAD",
            read_commit_types(git.root),
        ),
        "check the commits",
    )


@task
def hooks(c: Context) -> None:
    """Use the tracked .githooks/ (commit-msg, pre-commit, pre-push)."""
    from tools.workflow.hooks import install_hooks

    _run(install_hooks, "install the hooks")


@task
def ledger_lint(c: Context) -> None:
    """Report ledger damage with line numbers; exit 1 on errors."""
    from tools.workflow.commands.tasks import run_ledger_lint

    _run(lambda git, reporter: run_ledger_lint(git.root, reporter), "lint the ledger")
