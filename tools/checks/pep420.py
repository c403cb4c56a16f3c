"""The PEP 420 check: every ``__init__.py`` must be an annotated exception.

Usage: ``python -m tools.checks.pep420 [PATH ...]`` (default: ``ml_playground``, ``tests`` and
``tools``; directories are searched recursively, hidden directories and ``__pycache__``
skipped). The ``quality`` nox session runs it; the policy is
``.dev-guidelines/IMPORT_GUIDELINES.md``.

Packages are implicit namespace packages, so an ``__init__.py`` is a finding unless it
carries a comment line ``# TODO(pep420): <reason>``: the reason it still exists and what
removes it. A marker without a reason is a finding too. Each finding is one line,
``file:1: what is wrong; what to do``. Annotated exceptions are listed, so they stay visible.

Exit codes: 0 no findings; 1 findings; 2 a path that does not exist.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.checks.tree_paths import paths_parser, paths_to_check

MARKER = "TODO(pep420)"
_MARKER_LINE = re.compile(r"^\s*#\s*TODO\(pep420\)\s*:?\s*(?P<reason>.*?)\s*$")
MIN_REASON_WORDS = 3
"""A reason is at least this many words: "legacy" alone says nothing."""
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules"})

HOW_TO_FIX = (
    "delete it (packages are PEP 420 namespace packages), or keep it as an exception with a"
    f" `# {MARKER}: <why it must stay and what removes it>` comment"
)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:1: {self.message}"


def marker_reasons(source: str) -> list[str]:
    """The reasons of every ``# TODO(pep420): reason`` comment line (empty when missing)."""
    reasons: list[str] = []
    for line in source.splitlines():
        match = _MARKER_LINE.match(line)
        if match is not None:
            reasons.append(match.group("reason"))
    return reasons


def check_source(source: str, path: str) -> Finding | None:
    """The finding for one ``__init__.py`` with this text, or None for an annotated one."""
    reasons = marker_reasons(source)
    if not reasons:
        return Finding(path, f"__init__.py without a {MARKER} comment: {HOW_TO_FIX}")
    if not any(len(reason.split()) >= MIN_REASON_WORDS for reason in reasons):
        return Finding(
            path,
            f"{MARKER} comment without a reason (at least {MIN_REASON_WORDS} words): {HOW_TO_FIX}",
        )
    return None


def init_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every ``__init__.py`` under ``paths`` (a file given directly counts when it is one)."""
    for path in paths:
        if path.is_file():
            if path.name == "__init__.py":
                yield path
            continue
        for candidate in sorted(path.rglob("__init__.py")):
            parts = candidate.relative_to(path).parts[:-1]
            if not any(part in SKIPPED_DIRECTORIES or part.startswith(".") for part in parts):
                yield candidate


def check(paths: Iterable[Path]) -> tuple[list[Finding], list[Path]]:
    """The findings under ``paths`` and the annotated exceptions that passed."""
    findings: list[Finding] = []
    exceptions: list[Path] = []
    for file in init_files(paths):
        source = file.read_bytes().decode("utf-8", errors="replace")
        finding = check_source(source, file.as_posix())
        if finding is None:
            exceptions.append(file)
        else:
            findings.append(finding)
    return sorted(findings), exceptions


def build_parser() -> argparse.ArgumentParser:
    return paths_parser(
        "pep420", f"Fail on every __init__.py without a `# {MARKER}: reason` comment."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = paths_to_check("pep420", args.paths)
    if paths is None:
        return 2
    findings, exceptions = check(paths)
    for exception in exceptions:
        print(f"pep420: annotated exception: {exception.as_posix()}")
    for finding in findings:
        print(finding)
    if findings:
        print(f"pep420: {len(findings)} __init__.py file(s) to remove or annotate", file=sys.stderr)
        return 1
    print(f"pep420: no unannotated __init__.py ({len(exceptions)} annotated exception(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
