"""The rules of ``.dev-guidelines/GIT_VERSIONING.md``: the allowed commit types, read from the
guide itself, feature branch names (``<type>/<scope>-<desc>`` plus git's ref-name rules), and
the verdict on each commit of a range (message, size budget, no merge commits).

The guide holds a table between ``<!-- commit-types:start -->`` and ``<!-- commit-types:end -->``
whose rows start with a backticked type. The checkers use exactly that list, so the document
and the code cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commit_rules import (
    LINE_BUDGET,
    TRAILER_KEY,
    check_message,
    commit_changes,
    measure,
    trailer_value,
)
from tools.workflow.repo.git import Git

GUIDE_PATH = Path(".dev-guidelines") / "GIT_VERSIONING.md"
START_MARKER = "<!-- commit-types:start -->"
END_MARKER = "<!-- commit-types:end -->"
_ROW = re.compile(r"^\|\s*`(?P<type>[a-z]+)`\s*\|")


def parse_commit_types(text: str, source: str) -> tuple[str, ...]:
    """The types listed between the markers, in document order."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == START_MARKER]
    ends = [i for i, line in enumerate(lines) if line.strip() == END_MARKER]
    match starts, ends:
        # Equivalent: no line is both markers, so the two may never be equal.
        case [start], [end] if start < end:  # pragma: no mutate
            pass
        case _:
            raise WorkflowError(
                ExitCode.USAGE,
                f"{source}: expected one '{START_MARKER}' ... '{END_MARKER}' block "
                "listing the commit types",
            )
    types: list[str] = []
    for line in lines[start:end]:  # the start marker itself is no row
        row = _ROW.match(line.strip())
        if row is not None and row.group("type") not in types:
            types.append(row.group("type"))
    if not types:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{source}: the commit-types block has no rows like '| `feat` | ... |'",
        )
    return tuple(types)


def read_commit_types(root: Path) -> tuple[str, ...]:
    """The allowed commit types of the repository at ``root``."""
    path = root / GUIDE_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkflowError(
            ExitCode.USAGE,
            f"{path}: not found (the commit types are read from {GUIDE_PATH.as_posix()})",
        ) from None
    return parse_commit_types(text, str(path))


BRANCH_PATTERN = re.compile(
    r"^(?P<type>[a-z]+)/(?P<scope>[a-z0-9]+)-(?P<desc>[a-z0-9]+(?:-[a-z0-9]+)*)$"
)
"""``<type>/<scope>-<desc>``, all kebab-case."""

_FORBIDDEN_REF_CHARS = frozenset("~^:?*[\\\x7f")
"""Refused in a ref name, as are the space and the control characters (``ord <= 0x20``)."""
_STOP_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to"}
)
_MAX_DESCRIPTION_WORDS = 6


def ref_name_problem(name: str) -> str | None:
    """Why ``refs/heads/<name>`` breaks ``git check-ref-format``; None when it is valid."""
    if not name:
        return "the name is empty"
    if any(ord(char) <= 0x20 for char in name) or any(c in _FORBIDDEN_REF_CHARS for c in name):
        return "contains a space, control character or one of ~ ^ : ? * [ \\"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "has an empty path component ('/' at an end or '//')"
    if ".." in name:
        return "contains '..'"
    if "@{" in name:
        return "contains '@{'"
    if name.endswith("."):
        return "ends with '.'"
    for component in name.split("/"):
        if component.startswith("."):
            return f"path component '{component}' starts with '.'"
        if component.endswith(".lock"):
            return f"path component '{component}' ends with '.lock'"
    return None


def branch_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a branch at all (git's rules plus ``git branch``'s own limits)."""
    if name.startswith("-"):
        return "starts with '-'"
    if name in {"HEAD", "@"}:
        return f"'{name}' is reserved by git"
    return ref_name_problem(name)


def branch_problems(name: str, allowed_types: Collection[str] | None) -> list[str]:
    """Problems with a feature branch name; ``allowed_types`` None skips the type check."""
    problems: list[str] = []
    git_problem = branch_name_problem(name)
    if git_problem is not None:
        problems.append(f"branch '{name}' is not a valid git branch name: {git_problem}")
    match = BRANCH_PATTERN.match(name)
    if match is None:
        problems.append(
            f"branch '{name}' breaks the grammar <type>/<scope>-<desc> "
            "(lowercase kebab-case, e.g. docs/import-policy-pep420)"
        )
    elif allowed_types is not None and match.group("type") not in allowed_types:
        problems.append(
            f"branch '{name}' starts with unknown type '{match.group('type')}': "
            f"expected one of {', '.join(sorted(allowed_types))}"
        )
    return problems


def kebab_words(text: str) -> list[str]:
    """Lowercase ASCII words of ``text``; other letters are transliterated where Unicode
    decomposes them ("über" -> "uber", "Straße" -> "strasse"), else dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"[a-z0-9]+", decomposed.encode("ascii", "ignore").decode("ascii"))


def derive_branch(commit_type: str, scope: str | None, title: str) -> str | None:
    """A branch name from a planned commit's type and scope plus the task title.

    ``refactor`` + ``training`` + "Integrate standalone units into canonical packages" gives
    ``refactor/training-integrate-standalone-units-canonical-packages``. None when the result
    would still break the grammar.
    """
    words = [word for word in kebab_words(title) if word not in _STOP_WORDS]
    words = words[:_MAX_DESCRIPTION_WORDS]
    scope_words = kebab_words(scope) if scope else []
    if scope_words:
        name = f"{commit_type}/{'-'.join(scope_words)}-{'-'.join(words)}"
    else:
        name = f"{commit_type}/{'-'.join(words)}"
    if not words or BRANCH_PATTERN.match(name) is None:
        return None
    return name


@dataclass(frozen=True)
class CommitVerdict:
    """One commit's touched lines and the problems found with it."""

    sha: str
    subject: str
    touched: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_commit(git: Git, sha: str, allowed_types: Collection[str]) -> CommitVerdict:
    parents, _, message = git.output("show", "-s", "--format=%P%x00%B", sha, "--").partition("\0")
    subject = message.partition("\n")[0]
    problems = check_message(message, allowed_types)
    if len(parents.split()) > 1:
        problems.append("merge commit: history must stay linear (rebase instead of merging)")
    size = measure(commit_changes(git, sha))
    if size.over_budget() and trailer_value(message, TRAILER_KEY) is None:
        problems.append(
            f"touches {size.total} lines, over the {LINE_BUDGET}-line budget "
            f"(and has no '{TRAILER_KEY}:' trailer)"
        )
    return CommitVerdict(sha, subject, size.total, tuple(problems))


def check_commits(
    git: Git, base: str, head: str, allowed_types: Collection[str]
) -> list[CommitVerdict]:
    for revision in (base, head):
        if git.rev(revision) is None:
            raise WorkflowError(
                ExitCode.USAGE, f"'{revision}' does not name a commit (expected a branch or sha)"
            )
    return [check_commit(git, sha, allowed_types) for sha in git.commits(base, head)]


def report_verdicts(verdicts: list[CommitVerdict], reporter: Reporter) -> list[CommitVerdict]:
    """One line per commit (and one per problem); returns the commits that failed."""
    for verdict in verdicts:
        mark = "ok  " if verdict.ok else "FAIL"
        reporter.say(f"{mark} {verdict.sha[:10]} {verdict.touched:5d} lines  {verdict.subject}")
        for problem in verdict.problems:
            reporter.say(f"       - {problem}")
    return [verdict for verdict in verdicts if not verdict.ok]
