"""Which ledger entry landed a commit: named in a Done entry's ``Landed`` field (commit ids
and ranges ``a to b``), or landed by ``invoke ship``, whose ``chore(ledger): complete`` commit
follows the work it landed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tools.workflow.ledger.model import LedgerEntry
from tools.workflow.ledger.store import load_ledger_at
from tools.workflow.repo.git import Git

_LANDED = re.compile(r"\b([0-9a-f]{7,40})(?:\s+to\s+([0-9a-f]{7,40}))?\b")
_COMPLETE = "chore(ledger): complete "
_START = "chore(ledger): start "
_STOPS = (_COMPLETE, "chore(release): ")


def landing_entries(git: Git, head: str, commits: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``<id> <title>`` of the entry that landed each of ``commits`` (id and header, oldest
    first) that one landed; a ``Landed`` field (in the ledger at ``head``) wins."""
    named = _landed_fields(git, head)
    return _shipped_entries(git, commits, set(named)) | named


def _label(entry: LedgerEntry) -> str:
    return f"{entry.display_id} {entry.title}"


def _landed_fields(git: Git, head: str) -> dict[str, str]:
    """Commits named by Done entries' ``Landed`` field: ids, and ranges ``a to b``."""
    loaded = load_ledger_at(git, head)
    links: dict[str, str] = {}
    entries: Sequence[LedgerEntry] = () if loaded is None else loaded.ledger.entries
    for entry in entries:
        for first, last in _LANDED.findall(entry.field_text("Landed")):
            start = git.rev(first)
            end = git.rev(last) if last else start
            if start is None or end is None:
                continue
            for sha in [start, *git.commits(start, end)]:
                links[sha] = _label(entry)
    return links


def _shipped_entries(
    git: Git, commits: Sequence[tuple[str, str]], named: set[str]
) -> dict[str, str]:
    """``invoke ship`` lands a branch and then its ``chore(ledger): complete`` commit: the
    commits before one are its entry's, back to a ``chore(ledger): start`` commit, and never
    past a previous ship, release or commit a ``Landed`` field names."""
    links: dict[str, str] = {}
    for index, (sha, header) in enumerate(commits):
        if not header.startswith(_COMPLETE):
            continue
        entry = _entry_marked_done(git, sha)
        if entry is None:
            continue
        for earlier, earlier_header in reversed(commits[:index]):
            if earlier_header.startswith(_STOPS) or earlier in named:
                break
            links[earlier] = _label(entry)
            if earlier_header.startswith(_START):
                break
    return links


def _entry_marked_done(git: Git, sha: str) -> LedgerEntry | None:
    after, before = load_ledger_at(git, sha), load_ledger_at(git, f"{sha}^")
    if after is None:
        return None
    done_before = _done_titles(() if before is None else before.ledger.entries)
    for entry in after.ledger.entries:
        if entry.status == "Done" and entry.title not in done_before:
            return entry
    return None


def _done_titles(entries: Sequence[LedgerEntry]) -> set[str]:
    return {entry.title for entry in entries if entry.status == "Done"}
