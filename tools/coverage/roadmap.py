"""The hand-made coverage roadmap, being replaced by coverage.py's Markdown report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.coverage.coverage_data import (
    Arc,
    CoverageReport,
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
