"""Load the repository's ledger file, find entries in it again after it changed (or the entry a
feature branch belongs to), and edit one entry heading.

An edit changes only the bytes of the heading line between its start and its line ending (the
status or the id); every other byte of the file, line endings included, stays identical. The
file is replaced atomically (``ml_playground.core.atomic_files``), then committed alone on the
feature branch with ``git commit -- <ledger>`` (a bookkeeping commit: In progress, PR number,
Done)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.process import failure_line
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commit_rules import HEADER_MAX_LENGTH
from tools.workflow.ledger.model import (
    STATUSES,
    Ledger,
    LedgerEntry,
    TaskId,
    line_ending,
    split_keepends,
    strip_ending,
)
from tools.workflow.ledger.parse import TASK_HEADING, parse_ledger_bytes
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import branch_task

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


def ledger_bytes_at(git: Git, rev: str) -> bytes | None:
    """The exact bytes of the ledger at ``rev`` (``""``: the index); None when it has none."""
    shown = git.run("show", f"{rev}:{LEDGER_PATH.as_posix()}", check=False)
    return shown.stdout.encode("utf-8", "surrogateescape") if shown.ok else None


def load_ledger_at(git: Git, ref: str) -> LoadedLedger | None:
    """The ledger as committed on ``ref``; None when ``ref`` has none."""
    data = ledger_bytes_at(git, ref)
    if data is None:
        return None
    return LoadedLedger(path=git.root / LEDGER_PATH, data=data, ledger=parse_ledger_bytes(data))


def warn_about_problems(loaded: LoadedLedger, reporter: Reporter) -> None:
    """One warning per damaged line; the readable entries are used anyway."""
    for problem in loaded.ledger.problems:
        reporter.warn(f"{LEDGER_PATH.as_posix()}:{problem.line}: {problem.message}")
    if loaded.ledger.problems:
        reporter.note("run 'invoke ledger-lint' for the full report")


def find_entry(
    ledger: Ledger, task_id: str | None, title: str, branch: str | None = None
) -> LedgerEntry | None:
    """The entry with ``title``; among several, the ones that still have ``task_id`` are
    preferred, and among those the one whose branch is ``branch`` (twin entries with the same
    id and title differ only there)."""
    candidates = [entry for entry in ledger.entries if entry.title == title]
    same_id = [entry for entry in candidates if entry.raw_id == task_id]
    if same_id:
        candidates = same_id
    same_branch = [entry for entry in candidates if entry.branch == branch]
    if same_branch:
        candidates = same_branch
    return candidates[0] if candidates else None


def entry_for_branch(git: Git, ledger: Ledger, branch: str) -> LedgerEntry | None:
    """The entry remembered by ``start-task`` for ``branch``, else the one planning it."""
    remembered = branch_task(git, branch)
    if remembered is not None:
        found = find_entry(ledger, remembered.task_id, remembered.title, branch)
        if found is not None:
            return found
    planning = [entry for entry in ledger.entries if entry.branch == branch]
    if len(planning) != 1:
        return None
    (only,) = planning
    return only


def _replace_group(data: bytes, entry: LedgerEntry, group: str, value: str) -> bytes:
    if entry.kind != "task":
        raise WorkflowError(
            ExitCode.USAGE,
            f"line {entry.heading_line}: '{entry.title}' is a free-form section without a "
            f"status/id heading; edit it by hand",
        )
    lines = split_keepends(data)
    index = entry.heading_line - 1
    if index >= len(lines):
        raise WorkflowError(
            ExitCode.USAGE, f"line {entry.heading_line}: the ledger is shorter than expected"
        )
    raw = lines[index]
    ending = line_ending(raw)
    body = raw[: len(raw) - len(ending)]
    bom = b""
    if index == 0 and body.startswith(b"\xef\xbb\xbf"):
        bom, body = body[:3], body[3:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkflowError(
            ExitCode.USAGE, f"line {entry.heading_line}: the heading is not valid UTF-8"
        ) from None
    match = TASK_HEADING.match(text)
    if text != entry.heading or match is None:
        raise WorkflowError(
            ExitCode.USAGE,
            f"line {entry.heading_line}: expected heading '{entry.heading}' but the file "
            "changed; re-run the command",
        )
    start, end = match.span(group)
    new_text = text[:start] + value + text[end:]
    lines[index] = bom + new_text.encode("utf-8") + ending
    return b"".join(lines)


def with_status(data: bytes, entry: LedgerEntry, status: str) -> bytes:
    """``data`` with ``entry``'s heading carrying ``status`` instead."""
    if status not in STATUSES:
        raise WorkflowError(
            ExitCode.USAGE, f"unknown status '{status}': expected one of {', '.join(STATUSES)}"
        )
    return _replace_group(data, entry, "status", status)


def with_identifier(data: bytes, entry: LedgerEntry, task_id: TaskId) -> bytes:
    """``data`` with ``entry``'s heading carrying ``task_id`` instead."""
    return _replace_group(data, entry, "id", str(task_id))


def write_atomically(path: Path, expected: bytes, new: bytes) -> None:
    """Replace ``path`` by ``new`` atomically, refusing if it no longer holds ``expected``."""
    current = path.read_bytes()
    if current != expected:
        raise WorkflowError(
            ExitCode.USAGE, f"{path}: changed on disk while being edited; re-run the command"
        )
    atomic_write_bytes(path, new)


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
        committed = git.run("commit", "--quiet", "-m", header, "--", path, check=False)
        if not committed.ok:
            raise WorkflowError(
                ExitCode.EXTERNAL,
                f"git commit of the ledger ('{header}') failed: {failure_line(committed)}",
            )
    except BaseException:
        git.run("read-tree", index_before, check=False)
        write_atomically(loaded.path, new_data, loaded.data)
        raise
    return git.output("rev-parse", "HEAD")


def changes_only_headings(old: bytes, new: bytes) -> bool:
    """Whether ``new`` differs from ``old`` only in entry headings' status or id: the edits of
    start-task, pr and ship (same lines, same titles, same line endings)."""
    old_lines, new_lines = split_keepends(old), split_keepends(new)
    if len(old_lines) != len(new_lines) or old == new:
        return False
    # Equivalent: the lengths were checked equal just above, so strict never raises.
    for before, after in zip(old_lines, new_lines, strict=True):  # pragma: no mutate
        if before == after:
            continue
        if line_ending(before) != line_ending(after):
            return False
        old_heading = TASK_HEADING.match(strip_ending(before.decode("utf-8", "replace")))
        new_heading = TASK_HEADING.match(strip_ending(after.decode("utf-8", "replace")))
        if old_heading is None or new_heading is None:
            return False
        if old_heading.group("title") != new_heading.group("title"):
            return False
    return True


def _is_heading_edit(git: Git, changed: str, old: str, new: str) -> bool:
    """``changed`` lists (NUL-separated) exactly the ledger, whose ``old`` and ``new`` blobs
    (``<rev>:<path>`` names) differ only in headings."""
    if [name for name in changed.split("\0") if name] != [LEDGER_PATH.as_posix()]:
        return False
    before, after = ledger_bytes_at(git, old), ledger_bytes_at(git, new)
    if before is None or after is None:
        return False
    return changes_only_headings(before, after)


def is_bookkeeping_commit(git: Git, commit: str) -> bool:
    """A commit that only rewrites ledger headings (In progress, PR number, Done)."""
    changed = git.output("diff-tree", "--no-commit-id", "--name-only", "-r", "-z", commit)
    return _is_heading_edit(git, changed, f"{commit}^", commit)


def staged_bookkeeping(git: Git) -> bool:
    """Whether the staged change only rewrites ledger headings."""
    return _is_heading_edit(git, git.output("diff", "--cached", "--name-only", "-z"), "HEAD", "")
