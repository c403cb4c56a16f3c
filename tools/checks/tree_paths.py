"""The command line and the file walk shared by the tree checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

PROJECT_TREES = ("ml_playground", "tests", "tools")


def paths_parser(tool: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m tools.checks.{tool}", description=description)
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=f"files or directories to check (default: {' '.join(PROJECT_TREES)})",
    )
    return parser


def paths_to_check(tool: str, given: Sequence[Path]) -> list[Path] | None:
    """The given paths, or the project trees that exist; None (after one error line) if a
    given path does not exist."""
    paths = list(given) or [Path(name) for name in PROJECT_TREES if Path(name).exists()]
    missing = [path for path in paths if not path.exists()]
    if missing:
        print(f"{tool}: {missing[0].as_posix()}: no such file or directory", file=sys.stderr)
        return None
    return paths


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The ``*.py`` files of ``paths`` (files as given; directories searched, sorted, without
    hidden directories and ``__pycache__``)."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for candidate in sorted(path.rglob("*.py")):
            parts = candidate.relative_to(path).parts[:-1]
            if not any(part == "__pycache__" or part.startswith(".") for part in parts):
                yield candidate


def finish(tool: str, findings: Sequence[str], *, failed: str, passed: str) -> int:
    """Print every finding, then one summary line (``failed`` on stderr when there are
    findings, else ``passed``); the exit code, 1 or 0."""
    for finding in findings:
        print(finding)
    if findings:
        print(f"{tool}: {failed}", file=sys.stderr)
        return 1
    print(f"{tool}: {passed}")
    return 0
