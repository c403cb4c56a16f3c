"""Generated files are replaced atomically and rewritten only when their content changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.coverage.generated_files import committed_text, update

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
    assert update(path, "naïve ✓\n") is True
    assert path.read_bytes() == "naïve ✓\n".encode()
    path.write_bytes(b"a\r\nb\r\n")
    assert committed_text(path) == "a\r\nb\r\n"
