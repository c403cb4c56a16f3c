"""How many lines a change touches, for the 200-line commit budget.

Touched lines are added plus removed lines from ``git diff --numstat``. Lock files and
generated files are not counted; binary files count 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from tools.workflow.repo.git import Git

LINE_BUDGET = 200

LOCK_FILE_NAMES = frozenset(
    {
        "Cargo.lock",
        "Pipfile.lock",
        "package-lock.json",
        "pdm.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "yarn.lock",
    }
)
GENERATED_FILES = frozenset({"docs/assets/coverage.svg", "docs/coverage/roadmap.md"})


@dataclass(frozen=True)
class FileChange:
    """One line of ``--numstat`` output; counts are None for binary files."""

    path: str
    added: int | None
    removed: int | None
    old_path: str | None = None


@dataclass(frozen=True)
class SizeReport:
    """The touched-line total and how each file contributed to it."""

    total: int
    counted: tuple[tuple[str, int], ...]
    not_counted: tuple[tuple[str, str], ...]

    def over_budget(self, budget: int = LINE_BUDGET) -> bool:
        return self.total > budget


def parse_numstat(output: str) -> list[FileChange]:
    """Parse ``git diff --numstat -z`` output (renames come as two extra NUL-separated paths)."""
    tokens = output.split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token:
            continue
        added_text, removed_text, path = token.split("\t", 2)
        old_path: str | None = None
        if not path:
            old_path, path = tokens[index], tokens[index + 1]
            index += 2
        added = None if added_text == "-" else int(added_text)
        removed = None if removed_text == "-" else int(removed_text)
        changes.append(FileChange(path, added, removed, old_path))
    return changes


def exclusion_reason(path: str) -> str | None:
    """Why a path is not counted, or None when it counts."""
    if PurePosixPath(path).name in LOCK_FILE_NAMES:
        return "lock file"
    if path in GENERATED_FILES:
        return "generated file"
    return None


def measure(changes: list[FileChange]) -> SizeReport:
    counted: list[tuple[str, int]] = []
    not_counted: list[tuple[str, str]] = []
    for change in changes:
        reason = exclusion_reason(change.path)
        if reason is not None:
            not_counted.append((change.path, reason))
        elif change.added is None or change.removed is None:
            not_counted.append((change.path, "binary file"))
        else:
            counted.append((change.path, change.added + change.removed))
    return SizeReport(sum(n for _, n in counted), tuple(counted), tuple(not_counted))


def staged_changes(git: Git) -> list[FileChange]:
    return parse_numstat(git.run("diff", "--cached", "--numstat", "-z", "-M").stdout)


def commit_changes(git: Git, commit: str) -> list[FileChange]:
    """The changes one commit makes relative to its first parent (or to nothing, for a root)."""
    output = git.run(
        "diff-tree", "--no-commit-id", "--numstat", "-z", "-r", "-M", "--root", commit
    ).stdout
    return parse_numstat(output)


def describe_size(report: SizeReport, budget: int = LINE_BUDGET) -> list[str]:
    """Detail lines: the biggest counted files first, then what was not counted."""
    lines = [
        f"{count:5d}  {path}"
        for path, count in sorted(report.counted, key=lambda item: (-item[1], item[0]))
    ]
    lines.extend(f"    -  {path} ({reason}, not counted)" for path, reason in report.not_counted)
    lines.append(f"total {report.total} touched line(s); budget {budget}")
    return lines
