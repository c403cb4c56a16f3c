"""Generated files are replaced atomically and rewritten only when their content changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.coverage.generated_files import committed_text, update, write_atomically

pytestmark = pytest.mark.unit


def test_update_writes_only_changed_content(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "page.md"
    assert committed_text(path) is None

    assert update(path, "one\n") is True
    assert path.read_bytes() == b"one\n"
    assert update(path, "one\n") is False
    assert update(path, "two\n") is True
    assert path.read_bytes() == b"two\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["page.md"]


def test_text_is_written_as_utf8_with_unix_newlines(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    write_atomically(path, "naïve ✓\n")
    assert path.read_bytes() == "naïve ✓\n".encode()
    path.write_bytes(b"a\r\nb\r\n")
    assert committed_text(path) == "a\r\nb\r\n"


def test_a_failed_replace_keeps_the_target_and_removes_the_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "inside.txt").write_text("kept", encoding="utf-8")

    with pytest.raises(OSError, match="occupied"):
        write_atomically(target, "text\n")

    assert [p.name for p in tmp_path.iterdir()] == ["occupied"]
    assert (target / "inside.txt").read_text(encoding="utf-8") == "kept"
