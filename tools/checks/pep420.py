"""The PEP 420 check: every ``__init__.py`` must be an annotated exception.

Usage: ``python -m tools.checks.pep420 [PATH ...]`` (default: ``ml_playground``, ``tests`` and
``tools``). The ``quality`` nox session runs it; the policy is
``.dev-guidelines/IMPORT_GUIDELINES.md``. Packages are implicit namespace packages, so an
``__init__.py`` is a finding unless a comment line ``# TODO(pep420): <reason>`` says why it
still exists and what removes it (a reason of at least three words). Annotated exceptions are
listed, so they stay visible.

Exit codes: 0 no findings; 1 findings; 2 a path that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from tools.checks.tree_paths import Verdict, python_files, run_check

MARKER = "TODO(pep420)"
_MARKER_LINE = re.compile(r"^\s*#\s*TODO\(pep420\)\s*:?\s*(?P<reason>.*?)\s*$", re.MULTILINE)
MIN_REASON_WORDS = 3
HOW_TO_FIX = (
    "delete it (packages are PEP 420 namespace packages), or keep it as an exception with a"
    f" `# {MARKER}: <why it must stay and what removes it>` comment"
)


def marker_reasons(source: str) -> list[str]:
    """The reasons of every ``# TODO(pep420): reason`` comment line (empty when missing)."""
    return _MARKER_LINE.findall(source)


def check_source(source: str, path: str) -> str | None:
    """The finding for one ``__init__.py`` with this text, or None for an annotated one."""
    reasons = marker_reasons(source)
    if not reasons:
        return f"{path}:1: __init__.py without a {MARKER} comment: {HOW_TO_FIX}"
    if all(len(reason.split()) < MIN_REASON_WORDS for reason in reasons):
        words = f"at least {MIN_REASON_WORDS} words"
        return f"{path}:1: {MARKER} comment without a reason ({words}): {HOW_TO_FIX}"
    return None


def check(paths: Iterable[Path]) -> tuple[list[str], list[Path]]:
    """The findings under ``paths`` and the annotated exceptions that passed."""
    findings: list[str] = []
    exceptions: list[Path] = []
    for file in python_files(paths):
        if file.name != "__init__.py":
            continue
        finding = check_source(file.read_bytes().decode("utf-8", "replace"), file.as_posix())
        if finding is None:
            exceptions.append(file)
        else:
            findings.append(finding)
    return sorted(findings), exceptions


def verdict(paths: list[Path]) -> Verdict:
    """:func:`check` for the command line, which lists the annotated exceptions first."""
    findings, exceptions = check(paths)
    for exception in exceptions:
        print(f"pep420: annotated exception: {exception.as_posix()}")
    failed = f"{len(findings)} __init__.py file(s) to remove or annotate"
    return (
        findings,
        failed,
        f"no unannotated __init__.py ({len(exceptions)} annotated exception(s))",
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_check(
        "pep420", f"Fail on every __init__.py without a `# {MARKER}: reason`.", argv, verdict
    )


if __name__ == "__main__":
    raise SystemExit(main())
