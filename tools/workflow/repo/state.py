"""Workflow state kept under the repository's git directory.

``<git-common-dir>/ml-playground-workflow/branch-tasks.json`` remembers which ledger entry each
feature branch belongs to; ``operation.json`` records an interrupted sync or ship so that
``invoke continue`` and ``invoke abort`` know what to finish or undo.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from tools.workflow.repo.git import Git

STATE_DIRECTORY = "ml-playground-workflow"
OperationKind = Literal["sync", "ship"]


@dataclass(frozen=True)
class BranchTask:
    """The ledger entry (id as last written, and title) a branch was started for."""

    branch: str
    task_id: str | None
    title: str


@dataclass(frozen=True)
class Operation:
    """An interrupted sync or ship: the branch, the step reached and the commits to restore."""

    kind: OperationKind
    branch: str
    step: str
    head_before: str
    main_before: str


def _directory(git: Git) -> Path:
    return git.common_dir() / STATE_DIRECTORY


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2, sort_keys=True)
        stream.write("\n")
    Path(temporary).replace(path)


def _read_json(path: Path) -> dict[str, object]:
    try:
        loaded: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
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
        },
    )


def load_operation(git: Git) -> Operation | None:
    data = _read_json(_directory(git) / "operation.json")
    kind = data.get("kind")
    values = [data.get(key) for key in ("branch", "step", "head_before", "main_before")]
    if kind not in ("sync", "ship") or not all(isinstance(value, str) for value in values):
        return None
    branch, step, head_before, main_before = (str(value) for value in values)
    return Operation(kind, branch, step, head_before, main_before)


def clear_operation(git: Git) -> None:
    (_directory(git) / "operation.json").unlink(missing_ok=True)
