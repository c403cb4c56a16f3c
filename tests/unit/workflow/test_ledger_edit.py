"""Editing one entry heading (only its bytes change, files replaced atomically); commit headers."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commit_rules import HEADER_MAX_LENGTH
from tools.workflow.ledger.model import TaskId
from tools.workflow.ledger.parse import parse_ledger_bytes
from tools.workflow.ledger.store import (
    bookkeeping_header,
    changes_only_headings,
    with_identifier,
    with_status,
    write_atomically,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "workflow"


def _crlf_seed() -> bytes:
    return (FIXTURES / "seed_like_ledger.md").read_bytes().replace(b"\n", b"\r\n")


def test_status_edit_changes_only_the_heading_and_keeps_crlf() -> None:
    data = _crlf_seed()
    entry = parse_ledger_bytes(data).entries[1]

    edited = with_status(data, entry, "In progress")

    old = b"### Open \xc2\xb7 tv-2025-10-04:PR?? \xc2\xb7 Move packages to implicit namespaces\r\n"
    new = (
        b"### In progress \xc2\xb7 tv-2025-10-04:PR?? \xc2\xb7 Move packages to implicit"
        b" namespaces\r\n"
    )
    assert data.count(old) == 1
    assert edited == data.replace(old, new)
    assert parse_ledger_bytes(edited).entries[1].status == "In progress"


def test_identifier_edit_writes_date_and_number() -> None:
    data = _crlf_seed()
    entry = parse_ledger_bytes(data).entries[0]

    edited = with_identifier(data, entry, TaskId(datetime.date(2025, 10, 9), 52))

    reparsed = parse_ledger_bytes(edited).entries[0]
    assert reparsed.raw_id == "tv-2025-10-09:PR52"
    assert len(edited) == len(data) + len("tv-2025-10-09:PR52") - len("tv-2025-10-04:PR??")
    assert edited.replace(b"tv-2025-10-09:PR52", b"tv-2025-10-04:PR??", 1) == data


def test_heading_on_the_first_line_keeps_its_byte_order_mark() -> None:
    data = "\ufeff### Open · tv-2025-01-01:PR?? · First\n".encode()
    entry = parse_ledger_bytes(data).entries[0]

    assert (
        with_status(data, entry, "Done") == "\ufeff### Done · tv-2025-01-01:PR?? · First\n".encode()
    )


def test_last_line_without_newline_stays_without_one() -> None:
    data = "intro\n### Deferred · tv-2025-01-01:PR4 · Last".encode()
    entry = parse_ledger_bytes(data).entries[0]

    assert with_status(data, entry, "Open") == "intro\n### Open · tv-2025-01-01:PR4 · Last".encode()


def test_stale_entry_is_refused() -> None:
    data = _crlf_seed()
    entry = parse_ledger_bytes(data).entries[0]
    changed = data.replace(b"Make PEP 420 the import policy", b"Make PEP 420 the policy", 1)

    with pytest.raises(WorkflowError) as caught:
        with_status(changed, entry, "Done")

    assert caught.value.code == ExitCode.USAGE
    assert "the file changed" in caught.value.message


def test_freeform_entries_and_unknown_statuses_are_refused() -> None:
    data = _crlf_seed()
    ledger = parse_ledger_bytes(data)

    with pytest.raises(WorkflowError) as freeform:
        with_status(data, ledger.entries[-1], "Done")
    with pytest.raises(WorkflowError) as unknown:
        with_status(data, ledger.entries[0], "Blocked")

    assert "free-form section" in freeform.value.message
    assert unknown.value.message.startswith("unknown status 'Blocked'")


def test_atomic_write_replaces_content_keeps_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "tv-tasks.md"
    path.write_bytes(b"old\r\n")
    path.chmod(0o640)

    write_atomically(path, b"old\r\n", b"new\r\n")

    assert path.read_bytes() == b"new\r\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tv-tasks.md"]


def test_atomic_write_refuses_when_the_file_changed(tmp_path: Path) -> None:
    path = tmp_path / "tv-tasks.md"
    path.write_bytes(b"someone else's edit\n")

    with pytest.raises(WorkflowError) as caught:
        write_atomically(path, b"what we read\n", b"our edit\n")

    assert "changed on disk" in caught.value.message
    assert path.read_bytes() == b"someone else's edit\n"


def test_entry_beyond_the_end_of_the_data_is_refused() -> None:
    data = _crlf_seed()
    last = parse_ledger_bytes(data).entries[-2]
    shorter = b"".join(data.splitlines(keepends=True)[: last.heading_line - 1])

    with pytest.raises(WorkflowError) as caught:
        with_status(shorter, last, "Done")

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"line {last.heading_line}: the ledger is shorter than expected"
    )


def test_heading_with_undecodable_bytes_is_refused() -> None:
    data = "intro\n### Open · tv-2025-01-01:PR4 · Caf".encode() + b"\xe9\n"
    entry = parse_ledger_bytes(data).entries[0]

    with pytest.raises(WorkflowError) as caught:
        with_status(data, entry, "Done")

    assert entry.title == "Caf\ufffd"
    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == "line 2: the heading is not valid UTF-8"


@pytest.mark.parametrize(
    ("verb", "title", "header"),
    [
        ("start", "Fix v1.2 release", "chore(ledger): start fix v1 2 release"),
        (
            "record pr #123 for",
            "Make the export of trained models to the ONNX format reproducible across machines",
            "chore(ledger): record pr #123 for make the export of trained models to",
        ),
        ("start", "Supercalifragilistic" * 4, "chore(ledger): start task"),
    ],
)
def test_bookkeeping_header_fits_the_header_limit(verb: str, title: str, header: str) -> None:
    made = bookkeeping_header(verb, title)

    assert made == header
    assert len(made) <= HEADER_MAX_LENGTH


BOOKKEEPING = b"# t\n\n### Open \xc2\xb7 tv-2025-10-04:PR?? \xc2\xb7 Do it\n\n- **Summary**: x.\n"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (BOOKKEEPING.replace(b"Open", b"Done"), True),
        (BOOKKEEPING.replace(b"PR??", b"PR12").replace(b"Open", b"In progress"), True),
        (BOOKKEEPING, False),
        (BOOKKEEPING.replace(b"Do it", b"Do that"), False),
        (BOOKKEEPING.replace(b"x.", b"y."), False),
        (BOOKKEEPING.replace(b"Open", b"Done") + b"more\n", False),
        (
            BOOKKEEPING.replace(b"Open \xc2\xb7 tv-2025-10-04:PR?? \xc2\xb7 Do it\n", b"x\r\n"),
            False,
        ),
        (BOOKKEEPING.replace(b"# t", b"### Done \xc2\xb7 tv-2025-10-04:PR?? \xc2\xb7 New"), False),
    ],
    ids=["status", "id-and-status", "unchanged", "title", "body", "added-line", "ending", "new"],
)
def test_a_bookkeeping_edit_changes_only_heading_status_or_id(new: bytes, expected: bool) -> None:
    assert changes_only_headings(BOOKKEEPING, new) is expected
