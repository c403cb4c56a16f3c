"""Load the repository's ledger file and find entries in it again after it changed, or the
entry a feature branch belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.git import Git
from tools.workflow.ledger.model import Ledger, LedgerEntry
from tools.workflow.ledger.parse import parse_ledger_bytes
from tools.workflow.state import branch_task

LEDGER_PATH = Path(".ldres") / "tv-tasks.md"


@dataclass(frozen=True)
class LoadedLedger:
    """The ledger's path, its exact bytes and what was parsed from them."""

    path: Path
    data: bytes
    ledger: Ledger


def load_ledger(root: Path) -> LoadedLedger:
    path = root / LEDGER_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{path}: ledger not found (expected the task ledger at {LEDGER_PATH.as_posix()})",
        ) from None
    return LoadedLedger(path=path, data=data, ledger=parse_ledger_bytes(data))


def warn_about_problems(loaded: LoadedLedger, reporter: Reporter) -> None:
    """One warning per damaged line; the readable entries are used anyway."""
    for problem in loaded.ledger.problems:
        reporter.warn(f"{LEDGER_PATH.as_posix()}:{problem.line}: {problem.message}")
    if loaded.ledger.problems:
        reporter.note("run 'invoke ledger-lint' for the full report")


def find_entry(ledger: Ledger, task_id: str | None, title: str) -> LedgerEntry | None:
    """The entry with ``title`` (preferring one that still has ``task_id``)."""
    same_title = [entry for entry in ledger.entries if entry.title == title]
    if len(same_title) > 1:
        same_id = [entry for entry in same_title if entry.raw_id == task_id]
        if same_id:
            return same_id[0]
    if same_title:
        return same_title[0]
    return None


def entry_for_branch(git: Git, ledger: Ledger, branch: str) -> LedgerEntry | None:
    """The entry remembered by ``start-task`` for ``branch``, else the one planning it."""
    remembered = branch_task(git, branch)
    if remembered is not None:
        found = find_entry(ledger, remembered.task_id, remembered.title)
        if found is not None:
            return found
    planning = [entry for entry in ledger.entries if entry.branch == branch]
    return planning[0] if len(planning) == 1 else None
