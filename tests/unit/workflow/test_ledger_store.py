"""Loading the ledger file and finding an entry again by title (and id) after edits."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.ledger.parse import parse_ledger
from tools.workflow.ledger.store import (
    find_entry,
    load_ledger,
    load_ledger_at,
    warn_about_problems,
)
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.unit

TWO_WITH_ONE_TITLE = (
    "### Open · tv-2025-10-04:PR?? · Tidy the docs\n\n- **Summary**: First.\n\n"
    "### Open · tv-2025-10-05:PR?? · Tidy the docs\n\n- **Summary**: Second.\n\n"
    "### Open · tv-2025-10-06:PR?? · Something else\n"
)


def test_missing_ledger_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as caught:
        load_ledger(tmp_path)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"{tmp_path / '.ldres' / 'tv-tasks.md'}: ledger not found "
        "(expected the task ledger at .ldres/tv-tasks.md)"
    )


def test_loaded_ledger_keeps_the_exact_bytes(tmp_path: Path) -> None:
    data = "### Open · tv-2025-10-04:PR?? · Tidy the docs\r\n".encode()
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(data)

    loaded = load_ledger(tmp_path)

    assert loaded.data == data
    assert loaded.path == tmp_path / ".ldres" / "tv-tasks.md"
    assert [entry.title for entry in loaded.ledger.entries] == ["Tidy the docs"]


def test_the_ledger_of_a_ref_is_its_committed_bytes_or_none(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "--quiet", "--initial-branch", "main")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "chore: start",
    )
    repo = Git(tmp_path)
    assert load_ledger_at(repo, "main") is None
    data = "### Open · tv-2025-10-04:PR?? · Tidy the docs\r\n".encode() + b"\xff not UTF-8\n"
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(data)
    git("add", ".ldres")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "docs: plan")

    loaded = load_ledger_at(repo, "main")

    assert loaded is not None
    assert loaded.data == data
    assert [entry.title for entry in loaded.ledger.entries] == ["Tidy the docs"]


def test_a_clean_ledger_gets_no_warnings(tmp_path: Path) -> None:
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_bytes(b"# tv-tasks\n")
    err = io.StringIO()

    warn_about_problems(load_ledger(tmp_path), Reporter(io.StringIO(), err))

    assert err.getvalue() == ""


def test_shared_title_prefers_the_entry_with_the_remembered_id() -> None:
    ledger = parse_ledger(TWO_WITH_ONE_TITLE)

    second = find_entry(ledger, "tv-2025-10-05:PR??", "Tidy the docs")
    unknown_id = find_entry(ledger, "tv-2025-10-09:PR7", "Tidy the docs")

    assert second is not None
    assert second.field_text("Summary") == "Second."
    assert unknown_id is not None
    assert unknown_id.field_text("Summary") == "First."


def test_twins_with_one_id_and_title_are_told_apart_by_their_branch() -> None:
    twin = "### Open · tv-2025-10-04:PR?? · Twin\n\n- **Git plan**:\n  - Branch: `feat/twin-{}`\n\n"
    ledger = parse_ledger(twin.format("one") + twin.format("two"))

    second = find_entry(ledger, "tv-2025-10-04:PR??", "Twin", "feat/twin-two")
    unknown = find_entry(ledger, "tv-2025-10-04:PR??", "Twin", "feat/other")

    assert second is ledger.entries[1]
    assert unknown is ledger.entries[0]


def test_unique_title_is_found_whatever_the_id_and_a_missing_one_is_none() -> None:
    ledger = parse_ledger(TWO_WITH_ONE_TITLE)

    found = find_entry(ledger, None, "Something else")

    assert found is not None
    assert found.raw_id == "tv-2025-10-06:PR??"
    assert find_entry(ledger, "tv-2025-10-04:PR??", "Tidy the code") is None
