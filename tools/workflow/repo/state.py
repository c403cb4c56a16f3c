"""The state of the repository as the workflow sees it, and the workflow's own records.

Safe to act means: HEAD is on a branch, the branch has a commit, no rebase/merge/cherry-pick/
revert is in progress and tracked files have no uncommitted changes. Untracked files are left
alone: git itself refuses to overwrite them.

``<git-common-dir>/ml-playground-workflow/branch-tasks.json`` remembers which ledger entry each
feature branch belongs to; ``operation.json`` records an interrupted sync or ship so that
``invoke continue`` and ``invoke abort`` know what to finish or undo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.git import Git

STATE_DIRECTORY = "ml-playground-workflow"
OperationKind = Literal["sync", "ship", "release"]


@dataclass(frozen=True)
class BranchTask:
    """The ledger entry (id as last written, and title) a branch was started for."""

    branch: str
    task_id: str | None
    title: str


@dataclass(frozen=True)
class Operation:
    """An interrupted sync, ship or release: the branch, the step reached, the commits to
    restore and, for a release, its tag."""

    kind: OperationKind
    branch: str
    step: str
    head_before: str
    main_before: str
    tag: str = ""


def _directory(git: Git) -> Path:
    return git.common_dir() / STATE_DIRECTORY


def _write_json(path: Path, payload: object) -> None:
    """Crash-safe: a reader (or a process killed mid-write) sees the old record or the new one."""
    text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _read_json(path: Path) -> dict[str, object]:
    try:
        loaded: object = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"{path}: not a JSON record of the workflow ({error}); move it aside if no sync or "
            "ship is pending",
        ) from None
    return cast("dict[str, object]", loaded) if isinstance(loaded, dict) else {}


def remember_branch_task(git: Git, record: BranchTask) -> None:
    path = _directory(git) / "branch-tasks.json"
    data = _read_json(path)
    data[record.branch] = {"task_id": record.task_id, "title": record.title}
    _write_json(path, data)


def branch_task(git: Git, branch: str) -> BranchTask | None:
    raw = _read_json(_directory(git) / "branch-tasks.json").get(branch)
    if not isinstance(raw, dict):
        return None
    fields = cast("dict[str, object]", raw)
    title = fields.get("title")
    task_id = fields.get("task_id")
    if not isinstance(title, str):
        return None
    return BranchTask(branch, task_id if isinstance(task_id, str) else None, title)


def forget_branch_task(git: Git, branch: str) -> None:
    path = _directory(git) / "branch-tasks.json"
    data = _read_json(path)
    if data.pop(branch, None) is not None:
        _write_json(path, data)


def save_operation(git: Git, operation: Operation) -> None:
    _write_json(
        _directory(git) / "operation.json",
        {
            "kind": operation.kind,
            "branch": operation.branch,
            "step": operation.step,
            "head_before": operation.head_before,
            "main_before": operation.main_before,
            "tag": operation.tag,
        },
    )


def load_operation(git: Git) -> Operation | None:
    data = _read_json(_directory(git) / "operation.json")
    kind = data.get("kind")
    values = [data.get(key) for key in ("branch", "step", "head_before", "main_before")]
    if kind not in ("sync", "ship", "release") or not all(
        isinstance(value, str) for value in values
    ):
        return None
    branch, step, head_before, main_before = (str(value) for value in values)
    tag = data.get("tag")
    return Operation(
        kind, branch, step, head_before, main_before, tag if isinstance(tag, str) else ""
    )


def clear_operation(git: Git) -> None:
    (_directory(git) / "operation.json").unlink(missing_ok=True)


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
    # Every entry ends with a NUL: "XY path", a rename or copy followed by its source path.
    entries = iter(output.split("\0")[:-1])
    files: list[str] = []
    for entry in entries:
        files.append(entry[3:])
        if entry[0] in "RC":
            next(entries, None)
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


def require_branch_free(git: Git, branch: str, action: str) -> None:
    """Refuse when ``branch`` is checked out in another worktree: git cannot move it from here."""
    holder = git.worktree_holding(branch)
    if holder is not None:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action}: '{branch}' is checked out in the worktree {holder}, so git "
            f"cannot move it from here (run the task there, or free it: git -C {holder} switch "
            "--detach)",
        )


def require_feature_branch(branch: str, main_branch: str, action: str) -> None:
    if branch == main_branch:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action} on '{main_branch}': work happens on a feature branch "
            "(invoke start-task <id>)",
        )


def require_no_pending_operation(git: Git, action: str) -> None:
    pending = load_operation(git)
    if pending is not None:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to {action}: an interrupted {pending.kind} of '{pending.branch}' is "
            "pending (invoke continue or invoke abort)",
        )


def require_feature_work(git: Git, action: str, main_branch: str) -> str:
    """What sync, pr and ship need first: no interrupted sync or ship, a safe state and a
    feature branch; returns the branch."""
    require_no_pending_operation(git, action)
    branch = require_safe_state(git, action)
    require_feature_branch(branch, main_branch, action)
    return branch
