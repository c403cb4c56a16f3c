"""Refuse, before changing anything, when the repository is not in a safe state.

Safe means: HEAD is on a branch, the branch has a commit, no rebase/merge/cherry-pick/revert
is in progress and tracked files have no uncommitted changes. Untracked files are left alone:
git itself refuses to overwrite them.
"""

from __future__ import annotations

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.git import Git

_OPERATION_MARKERS = (
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or git am"),
    ("MERGE_HEAD", "a merge"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)
_LISTED_FILES = 10


def operation_in_progress(git: Git) -> str | None:
    """What unfinished git operation the repository is in the middle of, if any."""
    git_dir = git.git_dir()
    for marker, description in _OPERATION_MARKERS:
        if (git_dir / marker).exists():
            return description
    return None


def changed_files(git: Git) -> list[str]:
    """Tracked files with staged or unstaged changes, as ``git status`` paths."""
    output = git.run("status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    entries = output.split("\0")
    files: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        files.append(entry[3:])
        if entry[0] in "RC":
            index += 1
    return files


def describe_files(files: list[str]) -> str:
    shown = ", ".join(files[:_LISTED_FILES])
    more = len(files) - _LISTED_FILES
    return shown + (f" and {more} more" if more > 0 else "")


def require_attached_branch(git: Git, action: str) -> str:
    """The current branch; refuses on a detached HEAD or an unborn branch."""
    branch = git.current_branch()
    if branch is None:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action}: HEAD is detached (switch to a branch first: "
            "git switch <branch>)",
        )
    if git.rev("HEAD") is None:
        raise WorkflowError(
            ExitCode.REFUSED, f"refusing to {action}: branch '{branch}' has no commits yet"
        )
    return branch


def require_no_operation(git: Git, action: str) -> None:
    operation = operation_in_progress(git)
    if operation is not None:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action}: {operation} is in progress (finish it with "
            "invoke continue / git <cmd> --continue, or undo it with invoke abort / "
            "git <cmd> --abort)",
        )


def require_clean_tree(git: Git, action: str) -> None:
    files = changed_files(git)
    if files:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action}: uncommitted changes in {len(files)} tracked "
            f"file(s): {describe_files(files)} (commit or stash them first)",
        )


def require_safe_state(git: Git, action: str) -> str:
    """All three checks; returns the current branch."""
    require_no_operation(git, action)
    branch = require_attached_branch(git, action)
    require_clean_tree(git, action)
    return branch


def require_feature_branch(branch: str, main_branch: str, action: str) -> None:
    if branch == main_branch:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action} on '{main_branch}': work happens on a feature branch "
            "(invoke start-task <id>)",
        )
