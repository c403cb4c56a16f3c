"""The coverage ratchet: one ``fail_under`` in ``pyproject.toml``, only ever raised.

Usage: ``python -m tools.coverage.ratchet [--data PATH] [--pyproject PATH] [--update]``
(the ``coverage`` nox session runs it after writing the JSON report).

Rule
    ``floor <= total <= floor + 1``, where ``floor`` is ``[tool.coverage.report] fail_under``
    and ``total`` is the measured total of lines and branches (the figure ``coverage report``
    compares with the floor). Falling below the floor fails (as ``coverage report`` does);
    rising more than one point above it also fails, until the floor is raised, so that gains
    are locked in rather than silently given back later.

Raising
    ``--update`` sets ``fail_under`` to the measured total rounded down to a whole percent
    (:func:`raised_floor`) when that is higher than the current floor; it rewrites only that
    one line of ``pyproject.toml`` and never lowers the floor.

Exit codes: 0 the floor holds; 1 the total is below the floor or more than one point above
it; 2 the coverage data or ``pyproject.toml`` is missing or unreadable.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.coverage.coverage_data import DEFAULT_DATA, CoverageError, total_percent

DEFAULT_PYPROJECT = Path("pyproject.toml")
MAX_GAP = 1.0
"""How far (percentage points) the measured total may rise above the floor before the
ratchet insists that the floor be raised."""

_SECTION = re.compile(r"^\[tool\.coverage\.report\][ \t]*\r?$", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^\[", re.MULTILINE)
_FAIL_UNDER = re.compile(r"^(?P<key>fail_under[ \t]*=[ \t]*)(?P<value>[0-9.]+)", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


def read_floor(pyproject_text: str) -> float:
    """``[tool.coverage.report] fail_under`` of a ``pyproject.toml`` text."""
    try:
        document = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as exc:
        raise CoverageError(f"pyproject.toml is not valid TOML ({exc})") from None
    value: object = document
    for key in ("tool", "coverage", "report", "fail_under"):
        value = cast("dict[str, object]", value).get(key) if isinstance(value, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CoverageError("pyproject.toml: [tool.coverage.report] fail_under is not set")
    return float(value)


def raised_floor(total: float) -> int:
    """The floor a measured ``total`` supports: the total rounded down to a whole percent."""
    return math.floor(total)


def judge(total: float, floor: float) -> Verdict:
    """Whether ``total`` keeps to the ratchet rule for ``floor``."""
    if total < floor:
        return Verdict(
            False,
            f"coverage {total:.2f}% is below the floor fail_under = {floor:g}; add tests for"
            " the new code (the floor is never lowered)",
        )
    if total - floor > MAX_GAP:
        return Verdict(
            False,
            f"coverage {total:.2f}% is more than {MAX_GAP:g} point above the floor fail_under ="
            f" {floor:g}; raise it to {raised_floor(total)} in [tool.coverage.report] (run"
            " `python -m tools.coverage.ratchet --update`) so the gain is kept",
        )
    return Verdict(True, f"coverage {total:.2f}% holds the floor fail_under = {floor:g}")


def with_floor(pyproject_text: str, floor: int) -> str:
    """``pyproject_text`` with only the ``fail_under`` line of ``[tool.coverage.report]``
    changed to ``floor``; every other byte stays as it was."""
    section = _SECTION.search(pyproject_text)
    if section is None:
        raise CoverageError("pyproject.toml has no [tool.coverage.report] section")
    following = _NEXT_SECTION.search(pyproject_text, section.end())
    end = following.start() if following else len(pyproject_text)
    line = _FAIL_UNDER.search(pyproject_text, section.end(), end)
    if line is None:
        raise CoverageError("pyproject.toml: [tool.coverage.report] has no fail_under line")
    return pyproject_text[: line.start("value")] + str(floor) + pyproject_text[line.end("value") :]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.coverage.ratchet",
        description="Check (or raise) the coverage floor against the measured total.",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="coverage JSON report")
    parser.add_argument(
        "--pyproject", type=Path, default=DEFAULT_PYPROJECT, help="where fail_under is set"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="raise fail_under to the measured total rounded down (never lowers it)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pyproject: Path = args.pyproject
    try:
        total = total_percent(args.data)
        text = pyproject.read_bytes().decode("utf-8")
        floor = read_floor(text)
        if args.update and raised_floor(total) > floor:
            atomic_write_bytes(pyproject, with_floor(text, raised_floor(total)).encode("utf-8"))
            print(f"ratchet: raised fail_under from {floor:g} to {raised_floor(total)}")
            floor = float(raised_floor(total))
    except CoverageError as exc:
        print(f"ratchet: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"ratchet: {pyproject.as_posix()}: cannot read or write ({exc})", file=sys.stderr)
        return 2
    verdict = judge(total, floor)
    print(f"ratchet: {verdict.message}", file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
