"""The exact tree a gate judges, checked out away from the work tree, one gate at a time.

A gate that reads the work tree judges files that are not committed (unstaged edits, untracked
modules) and misses staged ones. Here the tree to judge becomes a commit object (the index's
tree on top of HEAD, or a pushed commit) and is checked out, detached, into the gate's own
linked worktree ``<git common dir>/gate/tree``: the user's index, work tree and refs are never
written, so nothing of theirs can be lost, whatever interrupts the gate. The path is stable, so
the environments installed from it and the caches below its ``.cache/`` stay valid.

An exclusive ``flock`` on ``<git common dir>/gate/lock`` serialises gates of one repository
(two terminals, a hook during a manual run); the kernel releases it when its holder dies.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from pathlib import Path

from tools.file_lock import exclusive
from tools.process import failure_line, run

IDENTITY = {
    "GIT_AUTHOR_NAME": "gate",
    "GIT_AUTHOR_EMAIL": "gate@localhost",
    "GIT_COMMITTER_NAME": "gate",
    "GIT_COMMITTER_EMAIL": "gate@localhost",
}
"""commit-tree needs an identity; the gate's commit objects never reach a branch."""
KEPT = ("/.cache/", "/.nox/", "/.venv/")
"""Ignored directories of the checkout that survive from one gate to the next (caches)."""


class SnapshotError(Exception):
    """The tree to judge cannot be made or checked out (one line: what, where)."""


def git(root: Path, *args: str) -> str:
    result = run(("git", *args), root, {**os.environ, **IDENTITY})
    if not result.ok:
        raise SnapshotError(f"git {args[0]} in {root}: {failure_line(result)}")
    return result.stdout.strip()


def parent_commit(root: Path) -> str | None:
    """HEAD's commit, or None on an unborn branch."""
    result = run(("git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"), root)
    return result.stdout.strip() if result.ok else None


def staged_commit(root: Path) -> str:
    """A commit object holding exactly the index's tree, its parent HEAD (if any)."""
    unmerged = git(root, "ls-files", "--unmerged")
    if unmerged:
        path = unmerged.splitlines()[0].partition("\t")[2]  # "mode object stage\tpath"
        raise SnapshotError(f"{root}: the index has unmerged paths ({path}): finish or abort first")
    tree = git(root, "write-tree")
    parent = parent_commit(root)
    parents = ("-p", parent) if parent else ()
    return git(root, "commit-tree", tree, *parents, "-m", "gate: the staged tree")


def gate_home(root: Path) -> Path:
    common = Path(git(root, "rev-parse", "--git-common-dir"))
    return (root / common).resolve() / "gate"


def locked(home: Path, say: Callable[[str], object] = print) -> AbstractContextManager[None]:
    """Hold the gate lock of ``home``; waits (saying for whom) while another gate runs."""

    def wait(pid: str) -> None:
        say(f"gate: waiting for the gate of pid {pid} to finish")

    return exclusive(home / "lock", wait)


def check_out(root: Path, commit: str, tree: Path) -> None:
    """Make ``tree`` (a worktree of the gate's own) hold exactly ``commit``, caches kept."""
    if not (tree / ".git").is_file():
        if tree.exists():
            shutil.rmtree(tree)  # the gate's own leftovers: an add cut short
        git(root, "worktree", "prune")  # forget a checkout deleted by hand or cut short
        git(root, "worktree", "add", "--quiet", "--detach", str(tree), commit)
        return
    git(tree, "checkout", "--quiet", "--force", "--detach", commit)
    kept = [arg for path in KEPT for arg in ("-e", path)]
    git(tree, "clean", "-ffdxq", *kept)


@contextlib.contextmanager
def checked_out(root: Path, commit: str, say: Callable[[str], object] = print) -> Generator[Path]:
    """``commit`` checked out in the gate's worktree, held under the lock until exit."""
    home = gate_home(root)
    with locked(home, say):
        tree = home / "tree"
        check_out(root, commit, tree)
        yield tree
