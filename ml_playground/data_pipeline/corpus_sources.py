"""Where corpus text comes from: the interpreter's standard library or a local text file."""

from __future__ import annotations

import os
import re
import sysconfig
from pathlib import Path

from ml_playground.core.errors import DataError

EXCLUDED_DIRS = frozenset(
    {"__pycache__", "site-packages", "dist-packages", "test", "tests", "idle_test"}
)
"""Directory names never descended into: installed packages, caches and test suites (which
include deliberately malformed sources)."""

FILE_SEPARATOR = "\n\n"
_OUTSIDE_CORPUS_ALPHABET = re.compile(r"[^\x20-\x7e\n\t]")


def stdlib_sources(stdlib_dir: Path) -> list[Path]:
    """The ``*.py`` files under ``stdlib_dir``, outside excluded directories, by relative path."""
    found: list[tuple[str, Path]] = []
    for current, dirs, files in os.walk(stdlib_dir):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        base = Path(current)
        for name in files:
            if name.endswith(".py"):
                path = base / name
                found.append((path.relative_to(stdlib_dir).as_posix(), path))
    found.sort()
    return [path for _, path in found]


def _corpus_text(path: Path) -> str | None:
    """The file's text with LF line ends, or None unless it is UTF-8 of printable ASCII, LF and tab.

    Restricting the alphabet keeps the vocabulary small and the same across platforms.
    """
    try:
        text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return None
    if _OUTSIDE_CORPUS_ALPHABET.search(text):
        return None
    return text


def stdlib_corpus(max_bytes: int, stdlib_dir: Path | None = None) -> str:
    """The interpreter's standard library sources, joined in path order, cut at ``max_bytes``.

    Files that are not UTF-8 or use characters beyond printable ASCII, LF and tab are skipped. The
    result is pure ASCII, so its length in characters equals its size in bytes.
    """
    if max_bytes < 1:
        raise DataError(f"the corpus size cap must be at least 1 byte, got {max_bytes}")
    root = Path(sysconfig.get_paths()["stdlib"]) if stdlib_dir is None else stdlib_dir
    if not root.is_dir():
        raise DataError(f"standard library directory not found: {root}")
    parts: list[str] = []
    size = 0
    for path in stdlib_sources(root):
        text = _corpus_text(path)
        if not text:
            continue
        if parts:
            parts.append(FILE_SEPARATOR)
            size += len(FILE_SEPARATOR)
        parts.append(text)
        size += len(text)
        if size >= max_bytes:
            break
    if not parts:
        raise DataError(f"no usable *.py files (UTF-8, printable ASCII) under {root}")
    return "".join(parts)[:max_bytes]


def read_text_file(path: Path) -> str:
    """A non-empty UTF-8 text file (a leading byte order mark is dropped)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"prepare.raw_text_path: file not found: {path}") from None
    except OSError as exc:
        raise DataError(
            f"prepare.raw_text_path: cannot read {path}: {exc.strerror or exc}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"prepare.raw_text_path: {path} is not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None
    if not text:
        raise DataError(f"prepare.raw_text_path: {path} is empty")
    return text
