"""Which ledger entry the current feature branch belongs to."""

from __future__ import annotations

from tools.workflow.git import Git
from tools.workflow.ledger.model import Ledger, LedgerEntry
from tools.workflow.ledger_store import find_entry
from tools.workflow.state import branch_task


def entry_for_branch(git: Git, ledger: Ledger, branch: str) -> LedgerEntry | None:
    """The entry remembered by ``start-task`` for ``branch``, else the one planning it."""
    remembered = branch_task(git, branch)
    if remembered is not None:
        found = find_entry(ledger, remembered.task_id, remembered.title)
        if found is not None:
            return found
    planning = [entry for entry in ledger.entries if entry.branch == branch]
    return planning[0] if len(planning) == 1 else None
