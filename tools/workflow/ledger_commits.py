"""Bookkeeping commits that record a ledger edit (In progress, PR number, Done) on the branch.

The edit is written atomically and byte-preserving (ledger_edit.py), then committed alone with
``git commit -- <ledger>`` and hooks enabled, so installed hooks still check it.
"""

from __future__ import annotations

from tools.workflow.commit_message import HEADER_MAX_LENGTH
from tools.workflow.git import Git
from tools.workflow.ledger.store import LEDGER_PATH, LoadedLedger, write_atomically


def bookkeeping_header(verb: str, title: str, suffix: str = "") -> str:
    """``chore(ledger): <verb> <title><suffix>``, the title shortened to fit the header limit."""
    prefix = f"chore(ledger): {verb} "
    room = HEADER_MAX_LENGTH - len(prefix) - len(suffix)
    words = title.lower().replace(".", " ").split()
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word])) > room:
            break
        kept.append(word)
    return prefix + " ".join(kept or ["task"]) + suffix


def commit_ledger_edit(git: Git, loaded: LoadedLedger, new_data: bytes, header: str) -> str:
    """Write ``new_data`` to the ledger and commit only that file; returns the commit id."""
    index_before = git.write_tree()
    write_atomically(loaded.path, loaded.data, new_data)
    path = LEDGER_PATH.as_posix()
    try:
        git.run("add", "--", path)
        git.run("commit", "--quiet", "-m", header, "--", path)
    except BaseException:
        git.run("read-tree", index_before, check=False)
        write_atomically(loaded.path, new_data, loaded.data)
        raise
    return git.output("rev-parse", "HEAD")
