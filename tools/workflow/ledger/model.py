"""What a parsed task ledger is made of: entries with their ids and fields, and the problems
found on the way.

Task identifiers are ``tv-YYYY-MM-DD:PR###`` or ``tv-YYYY-MM-DD:PR??`` (no PR yet). Lines are
split so that line numbers and bytes agree everywhere: only ``\\n`` ends a line; a ``\\r`` right
before it belongs to the line ending, and splitting the bytes of a file and its decoded text
gives the same number of lines."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

TASK_ID_PATTERN = re.compile(r"^tv-(?P<date>\d{4}-\d{2}-\d{2}):PR(?P<pr>[1-9]\d*|\?\?)$")
"""The whole identifier, anchored."""

TASK_ID_IN_TEXT = re.compile(r"tv-\d{4}-\d{2}-\d{2}:PR(?:\d+|\?\?)")
"""An identifier mentioned somewhere in free text (Dependencies, References)."""

EXPECTED_FORM = "tv-YYYY-MM-DD:PR### (or PR?? before the PR exists)"


@dataclass(frozen=True)
class TaskId:
    """A parsed identifier; ``pr`` is None while the pull request does not exist yet."""

    date: datetime.date
    pr: int | None

    def __str__(self) -> str:
        number = "??" if self.pr is None else str(self.pr)
        return f"tv-{self.date.isoformat()}:PR{number}"


def parse_task_id(text: str) -> TaskId | None:
    """Parse an identifier; None when it breaks the format or names an impossible date."""
    match = TASK_ID_PATTERN.match(text)
    if match is None:
        return None
    try:
        date = datetime.date.fromisoformat(match.group("date"))
    except ValueError:
        return None
    pr_text = match.group("pr")
    return TaskId(date=date, pr=None if pr_text == "??" else int(pr_text))


STATUSES = ("Open", "In progress", "Deferred", "Done")
"""The statuses an entry heading may carry."""

Severity = Literal["error", "warning"]
EntryKind = Literal["task", "freeform"]


@dataclass(frozen=True)
class LedgerProblem:
    """Something wrong in the ledger, at a 1-based line number."""

    line: int
    severity: Severity
    message: str


@dataclass(frozen=True)
class Field:
    """A top-level ``- **Name**: value`` (or ``- Name: value``) item and its wrapped lines.

    ``lines`` holds the text after the colon on the first line, then every following line
    up to the next field, without line endings; ``numbers`` holds their line numbers.
    """

    name: str
    line: int
    lines: tuple[str, ...]
    numbers: tuple[int, ...]

    @property
    def text(self) -> str:
        """All lines joined with single spaces, blank lines dropped."""
        return " ".join(part.strip() for part in self.lines if part.strip())


@dataclass(frozen=True)
class PlannedCommit:
    """One commit from an entry's Git plan: its message and the files it is meant to touch."""

    message: str
    files: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class LedgerEntry:
    """One task: a ``### Status · id · title`` entry or a free-form ``## Task N: title`` section."""

    kind: EntryKind
    heading_line: int
    heading: str
    end_line: int
    status: str
    raw_id: str | None
    task_id: TaskId | None
    title: str
    label: str | None
    section: str
    fields: tuple[Field, ...]
    branch: str | None
    branch_line: int | None
    branch_derived: bool
    planned_commits: tuple[PlannedCommit, ...]
    steps: tuple[str, ...]
    validation_commands: tuple[str, ...]
    acceptance: tuple[str, ...]
    pr_title: str | None

    def field(self, name: str) -> Field | None:
        wanted = name.casefold()
        for candidate in self.fields:
            if candidate.name.casefold() == wanted:
                return candidate
        return None

    def field_text(self, name: str) -> str:
        found = self.field(name)
        return "" if found is None else found.text

    @property
    def display_id(self) -> str:
        """The identifier as written, or the section label for free-form entries."""
        if self.raw_id is not None:
            return self.raw_id
        return f"({self.label})" if self.label else "(no id)"


@dataclass(frozen=True)
class Ledger:
    """All entries in file order plus the problems the parser noticed."""

    entries: tuple[LedgerEntry, ...]
    problems: tuple[LedgerProblem, ...]


def split_keepends(data: bytes) -> list[bytes]:
    """Split ``data`` after every ``\\n``; joining the parts gives ``data`` back exactly."""
    if not data:
        return []
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_text_keepends(text: str) -> list[str]:
    """The ``str`` twin of :func:`split_keepends`."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_ending(line: bytes) -> bytes:
    """The line ending of one line from :func:`split_keepends` (``b""`` for the last line)."""
    if line.endswith(b"\r\n"):
        return b"\r\n"
    if line.endswith(b"\n"):
        return b"\n"
    return b""


def strip_ending(line: str) -> str:
    """Drop one ``\\n`` and then one ``\\r`` from the end of a decoded line."""
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line
