"""Committed files generated from coverage data: written atomically and only when they change,
or (``--check``) compared with what would be written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes


def committed_text(path: Path) -> str | None:
    """The current content of ``path`` (bytes decoded as UTF-8, no newline translation), or
    None when the file does not exist."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def first_difference(old: str, new: str) -> int:
    """The 1-based number of the first line where ``old`` and ``new`` differ."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return number
    return min(len(old_lines), len(new_lines)) + 1


def write_or_check(
    tool: str,
    output: Path,
    text: str,
    *,
    check: bool,
    hint: str,
    stale: Callable[[str], str] | None = None,
) -> int:
    """With ``check``: 0 when ``output`` holds exactly ``text``, else 1 after one line on stderr
    saying why (``stale(current)``, by default the first differing line) and ``hint``.
    Without: write ``text`` unless ``output`` already holds it; 0."""
    current = committed_text(output)
    name = output.as_posix()
    if not check:
        if current != text:
            atomic_write_bytes(output, text.encode("utf-8"))
        print(f"{tool}: {'unchanged:' if current == text else 'wrote'} {name}")
        return 0
    if current == text:
        print(f"{tool}: {name} is up to date")
        return 0
    if current is None:
        problem = "is missing"
    elif stale is not None:
        problem = f"is stale: {stale(current)}"
    else:
        problem = f"is stale (first difference at line {first_difference(current, text)})"
    print(f"{tool}: {name} {problem}; {hint}", file=sys.stderr)
    return 1


def command_line(tool: str, what: str, output: Path, data: Path | None) -> argparse.ArgumentParser:
    """``python -m tools.coverage.<tool> [--check] [--data PATH] [--output PATH]``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m tools.coverage.{tool}", description=f"Write the {what} from coverage data."
    )
    parser.add_argument(
        "--check", action="store_true", help=f"fail if the committed {what} is stale; write nothing"
    )
    shown = "the data file in [tool.coverage.run]" if data is None else data.as_posix()
    parser.add_argument("--data", type=Path, default=data, help=f"default: {shown}")
    parser.add_argument("--output", type=Path, default=output, help=f"default: {output.as_posix()}")
    return parser
