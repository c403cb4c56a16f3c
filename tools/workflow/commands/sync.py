"""``invoke sync``: fetch, then rebase the feature branch onto the updated main.

A conflict stops the rebase with the state saved under ``.git/``; ``invoke continue`` finishes
it after the conflicts are resolved and ``invoke abort`` returns the branch to where it was.
"""

from __future__ import annotations

from tools.process import failure_line
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import update_main
from tools.workflow.repo.state import (
    Operation,
    clear_operation,
    describe_files,
    operation_in_progress,
    require_clean_tree,
    require_feature_work,
    save_operation,
)

_NO_EDITOR = {"GIT_EDITOR": "true"}


def unmerged_files(git: Git) -> list[str]:
    return git.output("diff", "--name-only", "--diff-filter=U").splitlines()


def _conflict(git: Git, operation: Operation, first_line: str) -> WorkflowError:
    files = unmerged_files(git)
    summary = first_line
    if files:
        summary = f"conflict in {len(files)} file(s): {describe_files(files)}"
    return WorkflowError(
        ExitCode.STOPPED,
        f"rebase of '{operation.branch}' onto main stopped: {summary}",
        [
            "resolve the conflicts, then: git add <files> && invoke continue",
            f"or undo the whole sync: invoke abort (back to {operation.head_before[:10]})",
        ],
    )


def sync_branch(
    git: Git, reporter: Reporter, main_branch: str = "main", remote: str = "origin"
) -> bool:
    """Rebase the current feature branch onto main; True when commits were replayed."""
    branch = require_feature_work(git, "sync", main_branch)
    update_main(git, reporter, main_branch, remote)
    if git.is_ancestor(main_branch, "HEAD"):
        reporter.say(f"{branch} is already based on the latest {main_branch}.")
        return False
    operation = Operation(
        kind="sync",
        branch=branch,
        step="rebase",
        head_before=git.output("rev-parse", "HEAD"),
        main_before=git.output("rev-parse", main_branch),
    )
    save_operation(git, operation)
    result = git.run("rebase", "--quiet", main_branch, check=False, extra_env=_NO_EDITOR)
    if result.ok:
        clear_operation(git)
        _report_rebased(git, reporter, branch, main_branch, remote)
        return True
    if operation_in_progress(git) is not None:
        raise _conflict(git, operation, failure_line(result))
    clear_operation(git)
    raise WorkflowError(
        ExitCode.EXTERNAL, f"git rebase {main_branch} failed: {failure_line(result)}"
    )


def _report_rebased(
    git: Git, reporter: Reporter, branch: str, main_branch: str, remote: str
) -> None:
    count = len(git.commits(main_branch, "HEAD"))
    reporter.say(f"Rebased {count} commit(s) of {branch} onto {main_branch}.")
    if git.remote_branch_exists(remote, branch):
        reporter.say("The branch was pushed before; 'invoke pr' pushes it again with a lease.")


def continue_sync(git: Git, reporter: Reporter, operation: Operation) -> None:
    if operation_in_progress(git) is None:
        clear_operation(git)
        reporter.say("The rebase is no longer in progress; the sync is finished.")
        return
    files = unmerged_files(git)
    if files:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"still unresolved: {describe_files(files)} (edit them, git add them, then "
            "invoke continue)",
        )
    result = git.run("rebase", "--continue", check=False, extra_env=_NO_EDITOR)
    if result.ok:
        clear_operation(git)
        reporter.say(f"Sync of {operation.branch} finished.")
        return
    if operation_in_progress(git) is not None:
        raise _conflict(git, operation, failure_line(result))
    raise WorkflowError(ExitCode.EXTERNAL, f"git rebase --continue failed: {failure_line(result)}")


def _undo_finished_rebase(git: Git, operation: Operation) -> None:
    """Move the branch back from a rebase finished by hand (``git rebase --continue``), when its
    reflog shows that the rebase is the only thing that moved it since the sync began."""
    ref = f"refs/heads/{operation.branch}"
    current = git.rev(ref)
    if current is None or current == operation.head_before:
        return
    listed = git.run("reflog", "show", "--format=%H%x00%gs", "-n", "2", ref, "--", check=False)
    moves = [line.partition("\0") for line in listed.stdout.splitlines()]
    rebased = [sha for sha, _, subject in moves[:1] if subject.startswith("rebase")]
    if rebased != [current] or [sha for sha, _, _ in moves[1:]] != [operation.head_before]:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"cannot abort the sync: {operation.branch} moved on after its rebase finished "
            f"(now {current[:10]}, {operation.head_before[:10]} before the sync); nothing was "
            "changed (invoke continue clears the record)",
        )
    if git.current_branch() == operation.branch:
        require_clean_tree(git, "abort the sync")
        git.run("reset", "--quiet", "--keep", operation.head_before)
    else:
        git.run("update-ref", "-m", "workflow: abort sync", ref, operation.head_before, current)


def abort_sync(git: Git, reporter: Reporter, operation: Operation) -> None:
    """Put the branch back where it was before the sync: a rebase in progress is aborted, one
    finished by hand is undone (its commits stay in the branch's reflog)."""
    if operation_in_progress(git) is not None:
        git.run("rebase", "--abort")
    else:
        _undo_finished_rebase(git, operation)
    clear_operation(git)
    reporter.say(
        f"Sync aborted; {operation.branch} is back at {operation.head_before[:10]}, where it "
        "was before the sync."
    )
