"""``invoke status``: the active task, the branch, and each commit ahead of main."""

from __future__ import annotations

from dataclasses import dataclass

from tools.workflow.cli import Reporter, WorkflowError, render_table
from tools.workflow.commit_rules import LINE_BUDGET, measure, staged_changes
from tools.workflow.ledger.store import entry_for_branch, load_ledger
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import (
    changed_files,
    describe_files,
    load_operation,
    operation_in_progress,
)
from tools.workflow.versioning import CommitVerdict, check_commits, read_commit_types


@dataclass(frozen=True)
class WorkflowStatus:
    branch: str | None
    task: str | None
    verdicts: tuple[CommitVerdict, ...]


def show_status(git: Git, reporter: Reporter, main_branch: str = "main") -> WorkflowStatus:
    pending = load_operation(git)
    if pending is not None:
        reporter.say(
            f"Interrupted {pending.kind} of {pending.branch} (step {pending.step}): "
            "invoke continue or invoke abort"
        )
    in_progress = operation_in_progress(git)
    if in_progress is not None:
        reporter.say(f"In progress: {in_progress}")
    branch = git.current_branch()
    if branch is None:
        reporter.say("HEAD is detached.")
        return WorkflowStatus(None, None, ())
    reporter.say(f"Branch: {branch}")
    task: str | None = None
    try:
        entry = entry_for_branch(git, load_ledger(git.root).ledger, branch)
    except WorkflowError as error:
        reporter.say(f"Ledger: {error.message}")
        entry = None
    if entry is not None:
        task = entry.title
        reporter.say(f"Task: {entry.title} ({entry.display_id}, {entry.status})")
    elif branch != main_branch:
        reporter.say("Task: none linked to this branch (invoke start-task <id>)")
    verdicts: list[CommitVerdict] = []
    if branch == main_branch:
        reporter.say(f"On {main_branch}: start work with invoke start-task <id>.")
    elif git.rev(main_branch) is not None and git.rev("HEAD") is not None:
        verdicts = check_commits(git, main_branch, "HEAD", read_commit_types(git.root))
        reporter.say(f"Ahead of {main_branch}: {len(verdicts)} commit(s)")
        rows = [
            [
                verdict.sha[:10],
                str(verdict.touched),
                "ok" if verdict.ok else "FAIL: " + "; ".join(verdict.problems),
                verdict.subject,
            ]
            for verdict in verdicts
        ]
        if rows:
            for line in render_table(("commit", "lines", "verdict", "message"), rows):
                reporter.say(f"  {line}")
        if not git.is_ancestor(main_branch, "HEAD"):
            reporter.say(f"{branch} is not based on the latest {main_branch}: invoke sync")
    files = changed_files(git)
    if files:
        reporter.say(f"Uncommitted changes: {describe_files(files)}")
        staged = measure(staged_changes(git))
        reporter.say(f"Staged: {staged.total} touched line(s) of the {LINE_BUDGET}-line budget")
    return WorkflowStatus(branch, task, tuple(verdicts))
