"""Typed reading of coverage.py's JSON report (format 3), shared by the badge, roadmap and ratchet.

The report is plain JSON, so the standard library is enough. Only the integer counts are read;
percentages are recomputed from them (:attr:`Counts.total_percent` is coverage.py's own
definition of the total that ``fail_under`` is compared with), so every tool sees exactly the
same numbers whatever float formatting coverage.py used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

DEFAULT_DATA = Path(".cache/coverage/coverage.json")
"""Where the ``coverage`` nox session writes the JSON report."""

MAKE_DATA = "run `nox -s coverage` first"


class CoverageError(Exception):
    """The coverage data or the coverage settings are missing or unusable; one line."""


class CoverageDataError(Exception):
    """The JSON report is missing or is not what coverage.py writes; the message is one line."""


@dataclass(frozen=True)
class Counts:
    """Covered and total statements and branches of a module, a function or the whole run."""

    covered_lines: int
    statements: int
    covered_branches: int
    branches: int

    @property
    def line_percent(self) -> float:
        return _percent(self.covered_lines, self.statements)

    @property
    def branch_percent(self) -> float:
        return _percent(self.covered_branches, self.branches)

    @property
    def total_percent(self) -> float:
        """Lines and branches together: the figure ``coverage report`` and ``fail_under`` use."""
        return _percent(self.covered_lines + self.covered_branches, self.statements + self.branches)


Arc = tuple[int, int]
"""A branch as coverage.py writes it: (from line, to line); a negative target leaves the code
object that starts at that line ("exit")."""


@dataclass(frozen=True)
class FunctionGaps:
    """The missing lines and branches inside one function (``""`` is module level)."""

    name: str
    missing_lines: tuple[int, ...]
    missing_branches: tuple[Arc, ...]


@dataclass(frozen=True)
class ModuleCoverage:
    path: str
    counts: Counts
    missing_lines: tuple[int, ...]
    missing_branches: tuple[Arc, ...]
    functions: tuple[FunctionGaps, ...]
    """Every function coverage.py reports for the module, sorted by name."""


@dataclass(frozen=True)
class CoverageReport:
    totals: Counts
    modules: tuple[ModuleCoverage, ...]
    """Sorted by path."""


def _percent(covered: int, total: int) -> float:
    return 100.0 if total == 0 else 100 * covered / total


def _table(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise CoverageDataError(f"{where}: expected a JSON object")
    return cast("Mapping[str, object]", value)


def _field(table: Mapping[str, object], key: str, where: str) -> object:
    if key not in table:
        raise CoverageDataError(f"{where}: missing {key!r}")
    return table[key]


def _count(table: Mapping[str, object], key: str, where: str) -> int:
    value = _field(table, key, where)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CoverageDataError(f"{where}.{key}: expected a count, got {value!r}")
    return value


def _numbers(value: object) -> list[int] | None:
    """``value`` as a list of integers, or None when it is anything else."""
    if not isinstance(value, list):
        return None
    items = cast("list[object]", value)
    if not all(isinstance(item, int) and not isinstance(item, bool) for item in items):
        return None
    return cast("list[int]", items)


def _lines(value: object, where: str) -> tuple[int, ...]:
    numbers = _numbers(value)
    if numbers is None:
        raise CoverageDataError(f"{where}: expected a list of line numbers")
    return tuple(sorted(numbers))


def _arcs(value: object, where: str) -> tuple[Arc, ...]:
    if not isinstance(value, list):
        raise CoverageDataError(f"{where}: expected a list of [from, to] pairs")
    arcs: list[Arc] = []
    for item in cast("list[object]", value):
        pair = _numbers(item)
        if pair is None or len(pair) != 2:
            raise CoverageDataError(f"{where}: expected a list of [from, to] pairs")
        arcs.append((pair[0], pair[1]))
    return tuple(sorted(arcs))


def parse_counts(summary: object, where: str) -> Counts:
    """The counts of a ``summary`` or ``totals`` object."""
    table = _table(summary, where)
    counts = Counts(
        covered_lines=_count(table, "covered_lines", where),
        statements=_count(table, "num_statements", where),
        covered_branches=_count(table, "covered_branches", where) if "num_branches" in table else 0,
        branches=_count(table, "num_branches", where) if "num_branches" in table else 0,
    )
    if counts.covered_lines > counts.statements or counts.covered_branches > counts.branches:
        raise CoverageDataError(f"{where}: more covered than measured")
    return counts


def _functions(value: object, where: str) -> tuple[FunctionGaps, ...]:
    table = _table(value, where)
    found: list[FunctionGaps] = []
    for name in sorted(table):
        entry = _table(table[name], f"{where}[{name!r}]")
        found.append(
            FunctionGaps(
                name=name,
                missing_lines=_lines(entry.get("missing_lines", []), f"{where}[{name!r}]"),
                missing_branches=_arcs(entry.get("missing_branches", []), f"{where}[{name!r}]"),
            )
        )
    return tuple(found)


def parse_report(data: object) -> CoverageReport:
    """The totals and per-module figures of a decoded ``coverage json`` document."""
    document = _table(data, "coverage JSON")
    totals = parse_counts(_field(document, "totals", "coverage JSON"), "totals")
    files = _table(_field(document, "files", "coverage JSON"), "files")
    modules: list[ModuleCoverage] = []
    for path in sorted(files):
        where = f"files[{path!r}]"
        entry = _table(files[path], where)
        modules.append(
            ModuleCoverage(
                path=path.replace("\\", "/"),
                counts=parse_counts(_field(entry, "summary", where), f"{where}.summary"),
                missing_lines=_lines(_field(entry, "missing_lines", where), where),
                missing_branches=_arcs(entry.get("missing_branches", []), where),
                functions=_functions(entry.get("functions", {}), f"{where}.functions"),
            )
        )
    return CoverageReport(totals=totals, modules=tuple(modules))


def load_json(path: Path) -> object:
    """The decoded JSON report at ``path``; a missing or unreadable file is a one-line error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CoverageDataError(f"{path.as_posix()} not found: {MAKE_DATA}") from None
    except OSError as exc:
        raise CoverageDataError(f"{path.as_posix()}: cannot read ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CoverageDataError(
            f"{path.as_posix()}: not valid JSON (line {exc.lineno}: {exc.msg}); {MAKE_DATA}"
        ) from None


def load_report(path: Path) -> CoverageReport:
    return parse_report(load_json(path))


def total_percent(path: Path) -> float:
    """``totals.percent_covered`` of the JSON report at ``path``: lines and branches together,
    the figure ``coverage report`` compares with ``fail_under``."""
    name = path.as_posix()
    try:
        document: Any = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CoverageError(f"{name} not found: {MAKE_DATA}") from None
    except OSError as exc:
        raise CoverageError(f"{name}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise CoverageError(f"{name}: not valid JSON ({exc}); {MAKE_DATA}") from None
    try:
        total: Any = document["totals"]["percent_covered"]
    except (TypeError, KeyError):
        total = None
    if not isinstance(total, int | float) or isinstance(total, bool) or not 0 <= total <= 100:
        raise CoverageError(f"{name}: no totals.percent_covered from 0 to 100; {MAKE_DATA}")
    return float(total)
