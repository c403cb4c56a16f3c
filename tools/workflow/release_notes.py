"""What a release holds: the commits since the last ``v*`` tag, the next semantic version they
call for, and the changelog section listing them with the ledger entry that landed each.

Version rule (commitizen's with ``major_version_zero``): a breaking change (``!`` or a
``BREAKING CHANGE:`` footer) bumps the major version, ``feat`` the minor, ``fix`` and ``perf``
the patch; while the major version is 0 a breaking change bumps the minor version, so 1.0.0 is
only ever set by hand. Other types are listed but call for no release on their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tools.workflow.commit_rules import parse_header
from tools.workflow.ledger.landed import landing_entries
from tools.workflow.repo.git import Git

Version = tuple[int, int, int]
TAG_PREFIX = "v"
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)
_NOT_LISTED = ("chore(ledger)", "chore(release)")
GROUPS = (
    ("feat", "Features"),
    ("fix", "Fixes"),
    ("perf", "Performance"),
    ("revert", "Reverts"),
    ("refactor", "Refactoring"),
    ("docs", "Documentation"),
    ("test", "Tests"),
    ("build", "Build"),
    ("ci", "Continuous integration"),
    ("style", "Style"),
    ("chore", "Chores"),
)


@dataclass(frozen=True)
class ReleaseCommit:
    sha: str
    header: str
    type: str
    scope: str | None
    subject: str
    breaking: bool
    entry: str | None = None
    """``<id> <title>`` of the ledger entry that landed the commit, if one did."""


def parse_version(text: str) -> Version | None:
    match = _VERSION.match(text.strip())
    return None if match is None else (int(match[1]), int(match[2]), int(match[3]))


def format_version(version: Version) -> str:
    return ".".join(str(part) for part in version)


def next_version(current: Version, commits: Sequence[ReleaseCommit]) -> Version | None:
    """The version after ``current`` that ``commits`` call for; None when none calls for one."""
    major, minor, patch = current
    if any(commit.breaking for commit in commits):
        return (major + 1, 0, 0) if major > 0 else (0, minor + 1, 0)
    if any(commit.type == "feat" for commit in commits):
        return (major, minor + 1, 0)
    if any(commit.type in ("fix", "perf") for commit in commits):
        return (major, minor, patch + 1)
    return None


def last_release_tag(git: Git, head: str) -> str | None:
    """The newest ``vX.Y.Z`` tag reachable from ``head``."""
    found = git.run(
        "describe", "--tags", "--abbrev=0", "--match", f"{TAG_PREFIX}[0-9]*", head, check=False
    )
    return found.stdout.strip() if found.ok else None


def read_commits(git: Git, since: str | None, head: str) -> list[ReleaseCommit]:
    """The commits in ``since..head`` (all of ``head`` without ``since``), oldest first,
    each linked to the ledger entry that landed it (see tools/workflow/ledger/landed.py)."""
    span = head if since is None else f"{since}..{head}"
    listed = git.output("log", "--reverse", "--format=%H%x00%B%x1e", span, "--")
    commits: list[ReleaseCommit] = []
    for record in listed.split("\x1e"):
        sha, _, message = record.strip("\n").partition("\0")
        if not sha:
            continue
        header = message.partition("\n")[0]
        parsed = parse_header(header)
        commits.append(
            ReleaseCommit(
                sha=sha,
                header=header,
                type=parsed.type if parsed else "other",
                scope=parsed.scope if parsed else None,
                subject=parsed.subject if parsed else header,
                breaking=bool(parsed and parsed.breaking) or bool(_BREAKING_FOOTER.search(message)),
            )
        )
    links = landing_entries(git, head, [(commit.sha, commit.header) for commit in commits])
    return [replace(commit, entry=links.get(commit.sha)) for commit in commits]


def changelog_section(tag: str, date: str, commits: Sequence[ReleaseCommit]) -> str:
    """``## vX.Y.Z (date)`` and one ``###`` group per commit type, in :data:`GROUPS` order."""
    listed = [commit for commit in commits if not commit.header.startswith(_NOT_LISTED)]
    lines = [f"## {tag} ({date})", ""]
    for commit_type, title in (*GROUPS, ("other", "Other")):
        group = [commit for commit in listed if commit.type == commit_type]
        if not group:
            continue
        lines += [f"### {title}", ""]
        lines += [_line(commit) for commit in group]
        lines.append("")
    return "\n".join(lines)


def _line(commit: ReleaseCommit) -> str:
    breaking = "**breaking** " if commit.breaking else ""
    scope = f"{commit.scope}: " if commit.scope else ""
    landed = f"; {commit.entry}" if commit.entry else ""
    return f"- {breaking}{scope}{commit.subject} ({commit.sha[:7]}{landed})"


CHANGELOG_TITLE = "# Changelog\n"


def with_section(existing: str | None, section: str) -> str:
    """``CHANGELOG.md`` with ``section`` as its newest release, under the title."""
    body = (existing or CHANGELOG_TITLE).removeprefix(CHANGELOG_TITLE).lstrip("\n")
    return f"{CHANGELOG_TITLE}\n{section}\n{body}".rstrip("\n") + "\n"
