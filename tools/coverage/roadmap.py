"""The hand-made coverage roadmap, being replaced by coverage.py's Markdown report."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.coverage.coverage_data import (
    DEFAULT_DATA,
    Arc,
    CoverageReport,
    ModuleCoverage,
)

DEFAULT_OUTPUT = Path("docs/coverage/roadmap.md")
UPDATE_HINT = "run `python -m tools.coverage.roadmap` (after `nox -s coverage`) and commit it"

GOAL_LINE_PERCENT = 95
GOAL_BRANCH_PERCENT = 90
"""The goal of the coverage issue: at least 95% of lines and 90% of branches, measured."""
MODULE_LINE_PERCENT = 90
MODULE_BRANCH_PERCENT = 80
"""The per-module milestone: no module below these."""


@dataclass(frozen=True)
class StochasticGap:
    """A source line whose execution depends on something a repeatable test cannot pin."""

    module: str
    """Path as in the coverage data (``ml_playground/training/trainer.py``)."""
    line: str
    """The line's text without surrounding whitespace; every line of the module with this
    text is meant."""
    reason: str


STOCHASTIC_GAPS: tuple[StochasticGap, ...] = (
    StochasticGap(
        "ml_playground/training/trainer.py",
        'restore(scaler, state, "scaler", path)',
        "a GradScaler only has state in float16 training on a CUDA device (everywhere else it"
        " is disabled and saves an empty state), so only a GPU machine resumes one",
    ),
)
"""The declared stochastic lines (see the module docstring)."""


class RoadmapError(Exception):
    """The declared table does not match the sources; the message is one line."""


@dataclass(frozen=True)
class Gap:
    """Missing lines and branches of one function, all deterministic or all for one reason."""

    module: str
    function: str
    lines: tuple[int, ...]
    branches: tuple[Arc, ...]
    reason: str | None
    """None for a deterministic gap, else why it is stochastic."""


def line_ranges(lines: Iterable[int]) -> str:
    """``1-3, 7, 9-10`` for ``[1, 2, 3, 7, 9, 10]``."""
    ordered = sorted(set(lines))
    parts: list[str] = []
    start = previous = None
    for line in [*ordered, None]:
        if start is not None and previous is not None and (line is None or line != previous + 1):
            parts.append(str(start) if start == previous else f"{start}-{previous}")
            start = None
        if line is not None:
            start = line if start is None else start
            previous = line
    return ", ".join(parts)


def branch_list(branches: Iterable[Arc]) -> str:
    """``12->14, 20->exit``: coverage.py's notation, a negative target leaving the function."""
    return ", ".join(
        f"{source}->{'exit' if target < 0 else target}" for source, target in sorted(branches)
    )


def declared_lines(
    declared: Sequence[StochasticGap], sources: Mapping[str, str]
) -> dict[tuple[str, int], str]:
    """(module, line number) -> reason for every line the table declares stochastic."""
    found: dict[tuple[str, int], str] = {}
    for entry in declared:
        source = sources.get(entry.module)
        numbers = [
            number
            for number, text in enumerate((source or "").splitlines(), start=1)
            if text.strip() == entry.line
        ]
        if not numbers:
            raise RoadmapError(
                f"STOCHASTIC_GAPS names `{entry.line}` in {entry.module}, which has no such"
                " line; update the table in tools/coverage/roadmap.py"
            )
        found.update(((entry.module, number), entry.reason) for number in numbers)
    return found


def read_sources(declared: Sequence[StochasticGap], root: Path) -> dict[str, str]:
    """The source text of every module the table names (missing files are left out)."""
    sources: dict[str, str] = {}
    for module in sorted({entry.module for entry in declared}):
        try:
            sources[module] = (root / module).read_text(encoding="utf-8")
        except OSError:
            continue
    return sources


def gaps_of(
    report: CoverageReport, declared: Sequence[StochasticGap], sources: Mapping[str, str]
) -> list[Gap]:
    """The missing lines and branches of every function, split by the declared rule."""
    stochastic = declared_lines(declared, sources)
    gaps: list[Gap] = []
    for module in report.modules:
        for function in module.functions:
            by_reason: dict[str | None, tuple[list[int], list[Arc]]] = {}
            for line in function.missing_lines:
                reason = stochastic.get((module.path, line))
                by_reason.setdefault(reason, ([], []))[0].append(line)
            for arc in function.missing_branches:
                reason = stochastic.get((module.path, arc[0])) or stochastic.get(
                    (module.path, arc[1])
                )
                by_reason.setdefault(reason, ([], []))[1].append(arc)
            for reason in sorted(by_reason, key=lambda r: (r is not None, r or "")):
                lines, arcs = by_reason[reason]
                gaps.append(Gap(module.path, function.name, tuple(lines), tuple(arcs), reason))
    return gaps


def _percent(value: float) -> str:
    return f"{value:.2f}%"


def needed(percent: int, total: int) -> int:
    """How many of ``total`` items make at least ``percent`` percent (rounded up)."""
    return math.ceil(percent * total / 100)


def _gap_text(gap: Gap) -> str:
    parts: list[str] = []
    if gap.lines:
        noun = "line" if len(gap.lines) == 1 else "lines"
        parts.append(f"{noun} {line_ranges(gap.lines)}")
    if gap.branches:
        noun = "branch" if len(gap.branches) == 1 else "branches"
        parts.append(f"{noun} {branch_list(gap.branches)}")
    return "; ".join(parts)


def _counted(count: int, one: str, many: str) -> str:
    """``"1 line"``, ``"3 lines"``; ``""`` for none."""
    if count == 0:
        return ""
    return f"{count} {one if count == 1 else many}"


def _module_row(module: ModuleCoverage, gaps: Sequence[Gap]) -> str:
    counts = module.counts
    mine = [gap for gap in gaps if gap.module == module.path]
    lines = sum(len(gap.lines) for gap in mine)
    branches = sum(len(gap.branches) for gap in mine)
    stochastic = sum(len(gap.lines) + len(gap.branches) for gap in mine if gap.reason)
    kinds = f"{stochastic} of them stochastic" if stochastic else "deterministic"
    items = [_counted(lines, "line", "lines"), _counted(branches, "branch", "branches")]
    listed = ", ".join(item for item in items if item)
    open_items = f"{listed} ({kinds})" if mine else "none"
    return (
        f"| `{module.path}` | {counts.covered_lines}/{counts.statements}"
        f" | {_percent(counts.line_percent)} | {counts.covered_branches}/{counts.branches}"
        f" | {_percent(counts.branch_percent)} | {open_items} |"
    )


def render_roadmap(
    report: CoverageReport, declared: Sequence[StochasticGap], sources: Mapping[str, str]
) -> str:
    """The Markdown page for ``report``; ``declared`` and the modules' ``sources`` decide
    which gaps are stochastic."""
    gaps = gaps_of(report, declared, sources)
    totals = report.totals
    out: list[str] = [
        "# Coverage roadmap",
        "",
        "<!-- Generated by `python -m tools.coverage.roadmap`; do not edit by hand. -->",
        "",
        f"Generated from `{DEFAULT_DATA.as_posix()}`, the JSON report of `nox -s coverage`"
        " (the whole test suite; branch coverage over `ml_playground` and `tools`). After"
        " changing code or tests, run `nox -s coverage`, then `python -m tools.coverage.roadmap`;"
        " `python -m tools.coverage.roadmap --check` fails while this page is stale.",
        "",
        "## Totals",
        "",
        "| Measure | Covered | Total | Percent |",
        "| --- | ---: | ---: | ---: |",
        f"| Lines | {totals.covered_lines} | {totals.statements}"
        f" | {_percent(totals.line_percent)} |",
        f"| Branches | {totals.covered_branches} | {totals.branches}"
        f" | {_percent(totals.branch_percent)} |",
        f"| Lines and branches (the `fail_under` figure)"
        f" | {totals.covered_lines + totals.covered_branches}"
        f" | {totals.statements + totals.branches} | {_percent(totals.total_percent)} |",
        "",
        "## Modules",
        "",
        "| Module | Lines | Line % | Branches | Branch % | Open gaps |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(_module_row(module, gaps) for module in report.modules),
        "",
        "## Gaps",
        "",
        "A missing line is *stochastic* when its text is declared in `STOCHASTIC_GAPS`"
        " (`tools/coverage/roadmap.py`, each entry with its reason): reaching it depends on"
        " timing, signals, hardware or the network. A missing branch is stochastic when its"
        " source or target line is. Every other gap is *deterministic*: a repeatable test can"
        " reach it. Gaps are listed per function (`<module>` is module level); branches are"
        " written `from->to` (`exit` leaves the function).",
        "",
        "### Deterministic",
        "",
    ]
    deterministic = [gap for gap in gaps if gap.reason is None]
    out.extend(
        f"- `{gap.module}` `{gap.function or '<module>'}`: {_gap_text(gap)}"
        for gap in deterministic
    )
    if not deterministic:
        out.append("None.")
    out.extend(["", "### Stochastic", ""])
    stochastic = [gap for gap in gaps if gap.reason is not None]
    out.extend(
        f"- `{gap.module}` `{gap.function or '<module>'}`: {_gap_text(gap)}. Why: {gap.reason}"
        for gap in stochastic
    )
    if not stochastic:
        out.append("None.")
    return "\n".join(out) + "\n"
