"""Committed files generated from coverage data: written atomically and only when they change,
or (``--check``) compared with what would be written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.coverage.coverage_data import CoverageError


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


def generate(
    tool: str,
    argv: Sequence[str] | None,
    *,
    render: Callable[[Path | None], str],
    output: Path,
    data: Path | None,
    hint: str,
    stale: Callable[[str], Callable[[str], str]] | None = None,
) -> int:
    """``python -m tools.coverage.<tool> [--check] [--data PATH] [--output PATH]``: render the
    file from the coverage data (``data`` by default; None: the configured data file), then
    :func:`write_or_check` it (``stale(expected)`` says why a committed file differs). Exit
    code 2 when there is no usable coverage data."""
    shown = "the data file in [tool.coverage.run]" if data is None else data.as_posix()
    parser = argparse.ArgumentParser(prog=f"python -m tools.coverage.{tool}")
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--data", type=Path, default=data, help=f"default: {shown}")
    parser.add_argument("--output", type=Path, default=output, help=f"default: {output.as_posix()}")
    args = parser.parse_args(argv)
    try:
        text = render(args.data)
    except CoverageError as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return 2
    why = None if stale is None else stale(text)
    return write_or_check(tool, args.output, text, check=args.check, hint=hint, stale=why)
