"""The file walk and the command line shared by the tree checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

PROJECT_TREES = ("ml_playground", "tests", "tools")


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


Verdict = tuple[list[str], str, str]
"""What a tree check found: its findings and the summary line for failure and for success."""


def run_check(
    tool: str, description: str, argv: Sequence[str] | None, check: Callable[[list[Path]], Verdict]
) -> int:
    """``python -m tools.checks.<tool> [PATH ...]`` (default: the project trees that exist):
    0 no findings; 1 findings, one line each; 2 a given path does not exist."""
    parser = argparse.ArgumentParser(prog=f"python -m tools.checks.{tool}", description=description)
    trees = " ".join(PROJECT_TREES)
    parser.add_argument("paths", nargs="*", type=Path, help=f"default: {trees}")
    given: list[Path] = parser.parse_args(argv).paths
    paths = given or [Path(name) for name in PROJECT_TREES if Path(name).exists()]
    missing = [path for path in paths if not path.exists()]
    if missing:
        print(f"{tool}: {missing[0].as_posix()}: no such file or directory", file=sys.stderr)
        return 2
    findings, failed, passed = check(paths)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{tool}: {failed}", file=sys.stderr)
        return 1
    print(f"{tool}: {passed}")
    return 0
