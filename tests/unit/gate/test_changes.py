"""The change is the work tree and the index against HEAD, untracked files included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.changes import Change, ChangesError, parse_status, working_changes

pytestmark = pytest.mark.unit


def test_parse_status_reads_nul_separated_entries() -> None:
    output = b" M pkg/a.py\0?? new file.txt\0D  gone.py\0"
    assert parse_status(output) == ["pkg/a.py", "new file.txt", "gone.py"]
    assert parse_status(b"") == []


def test_a_clean_tree_has_no_changes(git_repo: Path) -> None:
    (git_repo / ".cache").mkdir()
    (git_repo / ".cache" / "ignored.txt").write_text("x", encoding="utf-8")
    assert working_changes(git_repo) == []


def test_staged_unstaged_untracked_deleted_and_renamed_files(git_repo: Path) -> None:
    (git_repo / "pkg" / "a.py").write_text("A = 2\n", encoding="utf-8")
    (git_repo / "README.md").write_text("# staged\n", encoding="utf-8")
    git(git_repo, "add", "README.md")
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "new.md").write_text("new\n", encoding="utf-8")
    git(git_repo, "mv", "pkg/b.py", "pkg/c.py")
    assert working_changes(git_repo) == [
        Change("README.md", exists=True),
        Change("docs/new.md", exists=True),
        Change("pkg/a.py", exists=True),
        Change("pkg/b.py", exists=False),
        Change("pkg/c.py", exists=True),
    ]


def test_outside_a_repository_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ChangesError, match="git status failed in"):
        working_changes(tmp_path)
