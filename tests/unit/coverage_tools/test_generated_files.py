"""Generated files are replaced atomically, rewritten only when their content changes, and
checked with one line that says why they are stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.coverage.generated_files import committed_text, first_difference, write_or_check

pytestmark = pytest.mark.unit

HINT = "run the generator"


def test_writing_touches_the_file_only_when_its_content_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "docs" / "page.md"
    assert committed_text(path) is None

    assert write_or_check("gen", path, "naïve ✓\n", check=False, hint=HINT) == 0
    assert path.read_bytes() == "naïve ✓\n".encode()
    modified = path.stat().st_mtime_ns
    assert write_or_check("gen", path, "naïve ✓\n", check=False, hint=HINT) == 0
    assert path.stat().st_mtime_ns == modified
    assert sorted(p.name for p in path.parent.iterdir()) == ["page.md"]
    name = path.as_posix()
    assert capsys.readouterr().out == f"gen: wrote {name}\ngen: unchanged: {name}\n"


def test_check_passes_on_the_same_bytes_and_names_the_first_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "page.md"
    name = path.as_posix()
    assert write_or_check("gen", path, "a\nb\n", check=True, hint=HINT) == 1
    assert capsys.readouterr().err == f"gen: {name} is missing; run the generator\n"
    assert not path.exists()

    path.write_bytes(b"a\r\nb\r\n")
    assert committed_text(path) == "a\r\nb\r\n"
    assert write_or_check("gen", path, "a\nb\n", check=True, hint=HINT) == 1
    err = capsys.readouterr().err
    assert err == f"gen: {name} is stale (first difference at line 1); run the generator\n"
    assert path.read_bytes() == b"a\r\nb\r\n"

    path.write_bytes(b"a\nb\n")
    assert write_or_check("gen", path, "a\nb\n", check=True, hint=HINT) == 0
    assert capsys.readouterr().out == f"gen: {name} is up to date\n"


def test_check_says_why_in_the_words_of_the_generator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "page.md"
    path.write_text("old\n", encoding="utf-8")
    code = write_or_check("gen", path, "new\n", check=True, hint=HINT, stale=lambda c: c.strip())
    assert code == 1
    assert capsys.readouterr().err == f"gen: {path.as_posix()} is stale: old; run the generator\n"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [("a\nb\n", "a\nc\n", 2), ("a\n", "a\nb\n", 2), ("a\nb\n", "a\n", 2), ("", "a\n", 1)],
)
def test_first_difference(old: str, new: str, line: int) -> None:
    assert first_difference(old, new) == line
