"""The corpora: a standard library tree turned into text, and a UTF-8 text file."""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path

import pytest

from ml_playground.core.errors import DataError
from ml_playground.data_pipeline.corpus_sources import (
    read_text_file,
    stdlib_corpus,
    stdlib_sources,
)

pytestmark = pytest.mark.unit

FAKE_STDLIB_CORPUS = "import os\n\n\nB = 'b'\n\n\nx = 1\ny = 2\n\n\nif x:\n\tpass\n"
"""a.py, b.py, b/c.py (CRLF normalised) and tab.py of the fake tree, in relative path order."""


def test_sources_skip_excluded_directories_in_relative_path_order(fake_stdlib: Path) -> None:
    relative = [p.relative_to(fake_stdlib).as_posix() for p in stdlib_sources(fake_stdlib)]

    dangling = ["dangling.py"] if (fake_stdlib / "dangling.py").is_symlink() else []
    expected = ["a.py", "b.py", "b/__init__.py", "b/c.py", "bad_utf8.py", *dangling]
    assert relative == [*expected, "form_feed.py", "latin.py", "tab.py"]


def test_corpus_keeps_printable_ascii_files_joined_by_blank_lines(fake_stdlib: Path) -> None:
    assert stdlib_corpus(10_000, fake_stdlib) == FAKE_STDLIB_CORPUS


@pytest.mark.parametrize(
    ("max_bytes", "expected"),
    [
        (1, "i"),
        (10, "import os\n"),
        (11, "import os\n\n"),
        (len(FAKE_STDLIB_CORPUS) - 1, FAKE_STDLIB_CORPUS[:-1]),
        (len(FAKE_STDLIB_CORPUS), FAKE_STDLIB_CORPUS),
    ],
)
def test_corpus_is_cut_at_the_cap(fake_stdlib: Path, max_bytes: int, expected: str) -> None:
    assert stdlib_corpus(max_bytes, fake_stdlib) == expected


def test_corpus_rejects_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="standard library directory not found"):
        stdlib_corpus(100, tmp_path / "nowhere")


def test_corpus_rejects_a_tree_without_usable_sources(tmp_path: Path) -> None:
    (tmp_path / "only.py").write_bytes("x = '\u00e9'\n".encode())

    with pytest.raises(DataError, match=r"no usable \*\.py files"):
        stdlib_corpus(100, tmp_path)


def test_corpus_rejects_a_cap_below_one_byte(fake_stdlib: Path) -> None:
    with pytest.raises(DataError, match="at least 1 byte, got 0"):
        stdlib_corpus(0, fake_stdlib)


def test_real_stdlib_corpus_is_deterministic_ascii_python() -> None:
    first = stdlib_corpus(3000)
    second = stdlib_corpus(3000, Path(sysconfig.get_paths()["stdlib"]))

    assert first == second
    assert len(first) == 3000
    assert re.fullmatch(r"[\x20-\x7e\n\t]+", first)


def test_read_text_file_returns_utf8_text_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes("\ufeffcaf\u00e9\r\nbar\n".encode())

    assert read_text_file(path) == "caf\u00e9\r\nbar\n"


def test_read_text_file_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"prepare\.raw_text_path: file not found: .*nope\.txt"):
        read_text_file(tmp_path / "nope.txt")


def test_read_text_file_reports_an_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(DataError) as raised:
        read_text_file(tmp_path)

    assert str(raised.value) == f"prepare.raw_text_path: cannot read {tmp_path}: Is a directory"


def test_read_text_file_reports_invalid_utf8_with_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"abc\xe9")

    with pytest.raises(DataError, match=r"latin1\.txt is not UTF-8 text .*offset 3"):
        read_text_file(path)


def test_read_text_file_rejects_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"\xef\xbb\xbf")

    with pytest.raises(DataError, match=r"empty\.txt is empty"):
        read_text_file(path)
