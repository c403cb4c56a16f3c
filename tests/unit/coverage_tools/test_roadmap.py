"""The coverage roadmap: deterministic Markdown from the coverage data, checked for staleness."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.coverage.coverage_data import parse_report
from tools.coverage.roadmap import (
    RoadmapError,
    StochasticGap,
    branch_list,
    declared_lines,
    gaps_of,
    line_ranges,
    needed,
    read_sources,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
WAIT = StochasticGap("tools/b.py", "signal.pause()", "waits for a signal")
SOURCES = {
    "tools/b.py": "".join(
        "        signal.pause()\n" if number == 31 else f"x = {number}\n" for number in range(1, 41)
    )
}


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        ([], ""),
        ([7], "7"),
        ([1, 2, 3, 7, 9, 10], "1-3, 7, 9-10"),
        ([10, 3, 2, 2, 1], "1-3, 10"),
    ],
)
def test_line_ranges(lines: list[int], text: str) -> None:
    assert line_ranges(lines) == text


def test_branch_list_sorts_and_names_exits() -> None:
    assert branch_list([(30, -28), (9, 10), (19, 20)]) == "9->10, 19->20, 30->exit"


@pytest.mark.parametrize(
    ("percent", "total", "count"), [(95, 100, 95), (95, 101, 96), (90, 32, 29), (100, 7, 7)]
)
def test_needed_rounds_up(percent: int, total: int, count: int) -> None:
    assert needed(percent, total) == count


def test_gaps_are_classified_by_the_declared_table(
    coverage_document: dict[str, object],
) -> None:
    gaps = gaps_of(parse_report(coverage_document), [WAIT], SOURCES)
    assert [(gap.module, gap.function, gap.lines, gap.branches, gap.reason) for gap in gaps] == [
        ("tools/b.py", "", (3,), (), None),
        ("tools/b.py", "Reader.wait", (), ((30, -28),), None),
        ("tools/b.py", "Reader.wait", (31,), (), "waits for a signal"),
        ("tools/b.py", "load", (10, 11, 12, 20), ((9, 10), (19, 20)), None),
    ]


def test_a_branch_into_or_out_of_a_declared_line_is_stochastic(
    coverage_document: dict[str, object],
) -> None:
    files = coverage_document["files"]
    assert isinstance(files, dict)
    files["tools/b.py"]["functions"]["Reader.wait"]["missing_branches"] = [[30, 31], [31, 33]]
    gaps = gaps_of(parse_report(coverage_document), [WAIT], SOURCES)
    wait = [(gap.lines, gap.branches, gap.reason) for gap in gaps if gap.function == "Reader.wait"]
    assert wait == [((31,), ((30, 31), (31, 33)), "waits for a signal")]


def test_without_a_table_every_gap_is_deterministic(coverage_document: dict[str, object]) -> None:
    gaps = gaps_of(parse_report(coverage_document), [], {})
    assert [gap.reason for gap in gaps] == [None, None, None]


def test_a_declared_line_missing_from_its_module_is_an_error(tmp_path: Path) -> None:
    ghost = StochasticGap("tools/b.py", "gone()", "renamed long ago")
    with pytest.raises(RoadmapError, match=r"names `gone\(\)` in tools/b.py, which has no such"):
        declared_lines([WAIT, ghost], SOURCES)
    absent = StochasticGap("tools/absent.py", "x = 1", "deleted")
    assert read_sources([absent], tmp_path) == {}
    with pytest.raises(RoadmapError, match=r"in tools/absent\.py, which has no such line"):
        declared_lines([absent], read_sources([absent], tmp_path))


def test_a_declared_text_matches_every_line_that_has_it() -> None:
    sources = {"m.py": "a()\n  b()\nb()\n"}
    assert declared_lines([StochasticGap("m.py", "b()", "why")], sources) == {
        ("m.py", 2): "why",
        ("m.py", 3): "why",
    }
