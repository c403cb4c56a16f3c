"""The two rules every commit meets: a Conventional Commit message and the 200-line budget.

The header is ``<type>(<scope>)!: <subject>``; scope and ``!`` are optional. The allowed types
come from ``.dev-guidelines/GIT_VERSIONING.md`` (see versioning.py) and are a parameter here.

Touched lines are added plus removed lines from ``git diff --numstat``. The top-level lock files
and the generated files are not counted; binary files count 0. Binary is decided by content, as
git itself decides it without attributes (a NUL byte in the first 8000): ``.gitattributes``
(``-diff``, ``binary``, a textconv driver) cannot make lines disappear from the count.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tools.process import run
from tools.workflow.repo.git import Git

HEADER_MAX_LENGTH = 72

HEADER_PATTERN = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()]*)\))?(?P<breaking>!)?(?P<colon>:)(?P<space>\s*)"
    r"(?P<subject>.*)$"
)
"""Loose shape of a header; :func:`check_message` reports what is wrong with each part."""

PLANNED_HEADER_PATTERN = re.compile(r"^[a-z]+(?:\([a-z0-9][a-z0-9._/-]*\))?!?: \S")
"""A span of ledger text that looks like a planned commit message."""

SCOPE_PATTERN = re.compile(r"^[a-z0-9]+(?:[-._/][a-z0-9]+)*$")

NUMSTAT_COUNTS = re.compile(r"(\d+)\t(\d+)\t")
"""The added and deleted counts that start a ``git diff --numstat`` line of a text file."""

TRAILER_KEY = "Large-change-reason"
"""The trailer that records why a commit may exceed the size budget."""

_NOT_PAST_TENSE = frozenset(
    {
        "bed",
        "bleed",
        "breed",
        "embed",
        "exceed",
        "feed",
        "heed",
        "need",
        "proceed",
        "red",
        "seed",
        "shed",
        "shred",
        "speed",
        "succeed",
        "weed",
    }
)
_NOT_GERUND = frozenset({"bring", "ring", "sing", "spring", "string", "sting", "swing", "wring"})
_SINGULAR_S_ENDINGS = ("ss", "us", "is", "as", "os", "ys")


@dataclass(frozen=True)
class CommitHeader:
    """The parts of a well-formed header."""

    type: str
    scope: str | None
    breaking: bool
    subject: str


def parse_header(header: str) -> CommitHeader | None:
    """Split a header into its parts; None when it does not even have the ``type: `` shape."""
    match = HEADER_PATTERN.match(header)
    if match is None:
        return None
    return CommitHeader(
        type=match.group("type"),
        scope=match.group("scope"),
        breaking=match.group("breaking") is not None,
        subject=match.group("subject"),
    )


def imperative_problem(subject: str) -> str | None:
    """A heuristic for the imperative mood: flags ``added``, ``adding`` and ``adds``."""
    words = subject.split()
    if not words:
        return None
    first = re.sub(r"[^a-z]", "", words[0].lower())
    if len(first) < 3:
        return None
    hint = f"start the subject with an imperative verb ('fix', 'add'), not '{words[0]}'"
    if first.endswith("ed") and len(first) >= 4 and first not in _NOT_PAST_TENSE:
        return hint
    if first.endswith("ing") and len(first) >= 5 and first not in _NOT_GERUND:
        return hint
    if first.endswith("s") and not first.endswith(_SINGULAR_S_ENDINGS):
        return hint
    return None


def check_header(header: str, allowed_types: Collection[str]) -> list[str]:
    """Problems with a header line; an empty list means it is acceptable."""
    allowed = ", ".join(sorted(allowed_types))
    parsed = HEADER_PATTERN.match(header)
    if parsed is None:
        return [
            f"header '{header}' is not a Conventional Commit: expected "
            f"'<type>(<scope>)!: <subject>' with type one of {allowed}"
        ]
    problems: list[str] = []
    kind = parsed.group("type")
    if kind not in allowed_types:
        if kind.lower() in allowed_types:
            problems.append(f"type '{kind}' must be lowercase ('{kind.lower()}')")
        else:
            problems.append(f"unknown type '{kind}': expected one of {allowed}")
    scope = parsed.group("scope")
    if scope is not None and not SCOPE_PATTERN.match(scope):
        problems.append(f"scope '({scope})' must be lowercase words joined by '-', '.', '_' or '/'")
    if parsed.group("space") != " ":
        problems.append("put exactly one space after the colon")
    subject = parsed.group("subject")
    if not subject.strip():
        problems.append("the subject after the colon is empty")
    else:
        if subject.rstrip().endswith("."):
            problems.append("do not end the subject with a period")
        mood = imperative_problem(subject)
        if mood is not None:
            problems.append(mood)
    if len(header) > HEADER_MAX_LENGTH:
        problems.append(
            f"header is {len(header)} characters long; the limit is {HEADER_MAX_LENGTH}"
        )
    return problems


STRAY_CARRIAGE_RETURN = (
    "the message holds a carriage return (\\r) that ends no line; a line ends at a newline"
)


def check_message(message: str, allowed_types: Collection[str]) -> list[str]:
    """Problems with a whole message (header, blank line before the body).

    The one message check of ``invoke commit``, the commit-msg and pre-push hooks and
    ``invoke check-range``: each passes the message exactly as git holds it. Only ``\\n`` ends
    a line (``\\r\\n`` counts as one line ending); a lone ``\\r`` is refused, because terminals
    and text readers would show it as a line break that git does not have."""
    lines = message.strip("\n").split("\n")
    if not message.strip():
        return ["the commit message is empty"]
    header = lines[0].rstrip("\r")
    problems = check_header(header, allowed_types)
    if len(lines) > 1 and lines[1].strip():
        problems.append("leave a blank line between the header and the body")
    if "\r" in message.replace("\r\n", "\n"):
        problems.append(STRAY_CARRIAGE_RETURN)
    return problems


def trailer_value(message: str, key: str) -> str | None:
    """The value of a trailer ``key: value`` in the last paragraph of ``message``."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return None
    prefix = f"{key.lower()}:"
    for line in paragraphs[-1].split("\n"):
        if line.lower().startswith(prefix):
            value = line[len(prefix) :].strip()
            return value or None
    return None


def strip_comments(message: str, comment_char: str = "#") -> str:
    """What git keeps of an edited message: no comment lines, nothing below the scissors line."""
    kept: list[str] = []
    for line in message.split("\n"):
        if line.startswith(f"{comment_char} ------------------------ >8"):
            break
        if line.startswith(comment_char):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip("\n")


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
    # Equivalent: -z output ends with one empty token: -1 skips it first.
    index = 0  # pragma: no mutate
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token:
            # Equivalent: the one empty token of -z output is the last one.
            continue  # pragma: no mutate
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
    """Why a path is not counted, or None when it counts. Only the repository's own lock files
    (at the top level, as the guide names them) are exempt; ``pkg/x/uv.lock`` counts."""
    if path in LOCK_FILE_NAMES:
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
        # Equivalent: git gives '-' for both counts of a binary file.
        elif change.added is None or change.removed is None:  # pragma: no mutate
            not_counted.append((change.path, "binary file"))
        else:
            counted.append((change.path, change.added + change.removed))
    return SizeReport(sum(n for _, n in counted), tuple(counted), tuple(not_counted))


BINARY_PROBE = 8000
"""git calls content binary when its first 8000 bytes hold a NUL."""


def _blob(git: Git, name: str) -> bytes | None:
    """The content of ``rev:path``; None when that side has no such file."""
    result = git.run("cat-file", "blob", name, check=False)
    return result.stdout.encode("utf-8", "surrogateescape") if result.ok else None


def _as_text(git: Git, change: FileChange, new: str, old: str) -> FileChange:
    """``change``, which git called binary, counted by its lines unless its content really is
    binary: the two sides compared by ``git diff --no-index`` outside the repository, with no
    attributes file."""
    sides = [
        _blob(git, f"{new}{change.path}"),
        _blob(git, f"{old}{change.old_path or change.path}"),
    ]
    if any(b"\0" in side[:BINARY_PROBE] for side in sides if side is not None):
        return change
    with tempfile.TemporaryDirectory(prefix="size-") as temp:
        files = [Path(temp, name) for name in ("new", "old")]
        # Equivalent: both lists always hold two items (new and old), so strict never fires.
        for path, side in zip(files, sides, strict=True):  # pragma: no mutate
            path.write_bytes(side or b"")
        # No configuration and no attributes file (not even the user's default one,
        # $XDG_CONFIG_HOME/git/attributes, which applies outside every repository).
        env = {k: v for k, v in git.env.items() if not k.startswith("GIT_CONFIG")}
        env |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
        no_attributes = ("-c", f"core.attributesFile={os.devnull}")
        numstat = ("diff", "--no-index", "--numstat", "--", str(files[1]), str(files[0]))
        compared = run(("git", *no_attributes, *numstat), Path(temp), env)
    counts = NUMSTAT_COUNTS.match(compared.stdout)
    if counts is None:
        return change  # identical sides (a mode change) or git failed: as git said
    return FileChange(change.path, int(counts[1]), int(counts[2]), change.old_path)


def _counted_by_content(git: Git, diff: tuple[str, ...], new: str, old: str) -> list[FileChange]:
    """``diff``'s numstat, with the files git called binary only because of an attribute
    counted by their lines (``new`` and ``old`` prefix a path to name its blob on each side)."""
    numstat = (*diff, "--numstat", "-z", "-M", "--no-textconv")
    changes = parse_numstat(git.run(*numstat).stdout)
    return [
        change if change.added is not None else _as_text(git, change, new, old)
        for change in changes
    ]


def staged_changes(git: Git) -> list[FileChange]:
    return _counted_by_content(git, ("diff", "--cached"), ":", "HEAD:")


def commit_changes(git: Git, commit: str) -> list[FileChange]:
    """The changes one commit makes relative to its first parent (or to nothing, for a root)."""
    diff = ("diff-tree", "--no-commit-id", "-r", "--root", commit)
    return _counted_by_content(git, diff, f"{commit}:", f"{commit}^:")


def describe_size(report: SizeReport, budget: int = LINE_BUDGET) -> list[str]:
    """Detail lines: the biggest counted files first, then what was not counted."""
    # Equivalent: ~n is -n - 1, which orders integers exactly as -n does.
    ranked = sorted(report.counted, key=lambda item: (-item[1], item[0]))  # pragma: no mutate
    lines = [f"{count:5d}  {path}" for path, count in ranked]
    lines.extend(f"    -  {path} ({reason}, not counted)" for path, reason in report.not_counted)
    lines.append(f"total {report.total} touched line(s); budget {budget}")
    return lines
