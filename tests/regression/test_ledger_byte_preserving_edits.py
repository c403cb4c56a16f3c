"""Editing one ledger heading changes exactly the bytes of that heading, nothing else."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tools.workflow.cli import WorkflowError
from tools.workflow.ledger.model import TaskId
from tools.workflow.ledger.parse import parse_ledger_bytes
from tools.workflow.ledger.store import with_identifier, with_status, write_atomically

pytestmark = pytest.mark.regression

FIRST = "### Open · tv-2025-11-01:PR?? · Write the parser"
SECOND = "### In progress · tv-2025-11-02:PR12 · Édit the ledger ✓"
THIRD = "### Deferred · tv-2025-11-03:PR?? · Third"


def ledger(ending: str) -> str:
    """A ledger whose lines end with ``ending``, plus traps a text round trip would spoil:
    trailing spaces, a tab, a lone CRLF line in an LF file, non-ASCII text and no final
    newline."""
    lines = [
        "# tv-tasks",
        "",
        "## Open tasks   ",
        "",
        FIRST,
        "",
        "- **Summary**:\tParse it.",
        "- **Notes**: naïve café — keep these bytes",
        "",
        SECOND,
        "",
        "- **Summary**: Edit it.",
        "",
        THIRD,
    ]
    body = ending.join(lines[:-1]) + ending + lines[-1]
    return body.replace("Parse it.", "Parse it.\r") if ending == "\n" else body


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_status_edit_changes_only_the_status_bytes(ending: str) -> None:
    """What broke: edits that decoded the ledger, changed a line and wrote the text back
    normalised every line ending (CRLF files became LF or mixed), stripped trailing spaces
    and added a final newline. It showed as a whole-file diff for a one-word status change."""
    original = ledger(ending).encode("utf-8")
    entry = parse_ledger_bytes(original).entries[1]
    assert entry.heading == SECOND

    edited = with_status(original, entry, "Done")

    assert edited == original.replace(
        SECOND.encode(), SECOND.replace("In progress", "Done").encode()
    )
    before, after = original.split(SECOND.encode())
    assert edited.startswith(before)
    assert edited.endswith(after)
    assert with_status(edited, parse_ledger_bytes(edited).entries[1], "In progress") == original


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_an_identifier_edit_changes_only_the_identifier_bytes(ending: str) -> None:
    original = ledger(ending).encode("utf-8")
    entry = parse_ledger_bytes(original).entries[0]

    edited = with_identifier(original, entry, TaskId(datetime.date(2025, 11, 1), 57))

    assert edited == original.replace(FIRST.encode(), FIRST.replace("PR??", "PR57").encode())


def test_the_last_heading_without_a_final_newline_stays_without_one() -> None:
    original = ledger("\r\n").encode("utf-8")
    entry = parse_ledger_bytes(original).entries[2]

    edited = with_status(original, entry, "Open")

    assert edited.endswith(THIRD.replace("Deferred", "Open").encode())
    assert (
        edited[: -len(THIRD.replace("Deferred", "Open").encode())]
        == original[: -len(THIRD.encode())]
    )


def test_writing_the_edit_replaces_the_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    """What broke: the rewritten ledger lost its permission bits (a temp file's 0600), and a
    concurrent edit by someone else was silently overwritten. It showed as a ledger no one
    else could read, or a lost status change."""
    path = tmp_path / "tv-tasks.md"
    original = ledger("\r\n").encode("utf-8")
    path.write_bytes(original)
    path.chmod(0o644)
    edited = with_status(original, parse_ledger_bytes(original).entries[0], "Done")

    write_atomically(path, original, edited)

    assert path.read_bytes() == edited
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tv-tasks.md"]

    with pytest.raises(WorkflowError, match="changed on disk while being edited"):
        write_atomically(path, original, original)
    assert path.read_bytes() == edited
