"""Refuse to install from a missing or stale ``uv.lock``: every nox session runs this first.

``uv sync --locked`` would fail too, but with uv's wording and only after creating the session
environment; this check says in one line what is wrong and that ``uv lock`` fixes it, and it
never re-resolves silently (``uv lock --check`` does not write the lockfile).

Usage: ``python -m tools.nox_support.lock_check [--project DIR] [--uv UV]``.
Exit codes: 0 the lockfile matches ``pyproject.toml``, 1 it does not (or cannot be checked).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LOCKFILE = "uv.lock"
STALE_MARKER = "needs to be updated"
"""What ``uv lock --check`` prints when the lockfile no longer matches ``pyproject.toml``."""


@dataclass(frozen=True)
class LockVerdict:
    """Whether sessions may install from the lockfile, and the one line to show when not."""

    ok: bool
    message: str = ""
    detail: str = ""
    """uv's own first error line, shown under the message when the cause is unexpected."""


def first_error_line(uv_output: str) -> str:
    """The first ``error:`` line of uv's output, else its first non-empty line, else ``""``."""
    lines = [line.strip() for line in uv_output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return errors[0]
    return lines[0] if lines else ""


def judge_lock(*, lock_exists: bool, returncode: int | None, uv_output: str = "") -> LockVerdict:
    """Decide from the facts :func:`check_lock` gathered (``returncode`` None: uv never ran)."""
    if not lock_exists:
        return LockVerdict(
            ok=False,
            message=f"{LOCKFILE} is missing: run `uv lock` to create it, then commit it.",
        )
    if returncode == 0:
        return LockVerdict(ok=True)
    if returncode is None:
        return LockVerdict(
            ok=False,
            message=f"uv was not found, so {LOCKFILE} cannot be checked: install uv, "
            "then run `uv lock`.",
        )
    if STALE_MARKER in " ".join(uv_output.split()):  # uv wraps its messages at $COLUMNS
        return LockVerdict(
            ok=False,
            message=f"{LOCKFILE} is out of date with pyproject.toml: run `uv lock`, "
            "then commit uv.lock.",
        )
    return LockVerdict(
        ok=False,
        message=f"{LOCKFILE} could not be checked against pyproject.toml: run `uv lock` "
        "to see why and to update it.",
        detail=first_error_line(uv_output),
    )


def check_lock(project: Path, uv: str = "uv") -> LockVerdict:
    """Run ``uv lock --check`` in ``project`` (read-only) and judge the outcome."""
    if not (project / LOCKFILE).is_file():
        return judge_lock(lock_exists=False, returncode=None)
    try:
        completed = subprocess.run(
            [uv, "lock", "--check"],
            cwd=project,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        return judge_lock(lock_exists=True, returncode=None)
    return judge_lock(
        lock_exists=True,
        returncode=completed.returncode,
        uv_output=completed.stdout + completed.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.nox_support.lock_check",
        description="Fail with one clear line when uv.lock is missing or out of date.",
    )
    parser.add_argument("--project", type=Path, default=Path(), help="project directory")
    parser.add_argument("--uv", default="uv", help="the uv executable (default: uv on PATH)")
    args = parser.parse_args(argv)
    project: Path = args.project
    uv: str = args.uv
    verdict = check_lock(project, uv)
    if verdict.ok:
        return 0
    print(f"error: {verdict.message}", file=sys.stderr)
    if verdict.detail:
        print(f"  uv said: {verdict.detail}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
