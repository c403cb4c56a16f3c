"""Counting touched lines for the 200-line budget."""

from __future__ import annotations

import pytest

from tools.workflow.commit_rules import (
    FileChange,
    describe_size,
    exclusion_reason,
    measure,
    parse_numstat,
)

pytestmark = pytest.mark.unit


def test_parse_numstat_handles_plain_binary_and_renamed_files() -> None:
    output = "3\t1\tsrc/a.py\0-\t-\tdocs/logo.png\0" + "2\t2\t\0old name.py\0new name.py\0"

    assert parse_numstat(output) == [
        FileChange("src/a.py", 3, 1),
        FileChange("docs/logo.png", None, None),
        FileChange("new name.py", 2, 2, old_path="old name.py"),
    ]
    assert parse_numstat("") == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("uv.lock", "lock file"),
        ("package-lock.json", "lock file"),
        ("web/package-lock.json", None),
        ("pkg/x/uv.lock", None),
        ("docs/assets/coverage.svg", "generated file"),
        ("docs/coverage/roadmap.md", "generated file"),
        ("docs/coverage/other.md", None),
        ("uv.lock.md", None),
    ],
)
def test_exclusions(path: str, reason: str | None) -> None:
    assert exclusion_reason(path) == reason


def test_measure_totals_counted_files_only() -> None:
    report = measure(
        [
            FileChange("a.py", 150, 30),
            FileChange("uv.lock", 900, 400),
            FileChange("logo.png", None, None),
            FileChange("b.py", 10, 11),
        ]
    )

    assert report.total == 201
    assert report.over_budget() is True
    assert report.over_budget(budget=201) is False
    assert report.counted == (("a.py", 180), ("b.py", 21))
    assert report.not_counted == (("uv.lock", "lock file"), ("logo.png", "binary file"))
    assert describe_size(report) == [
        "  180  a.py",
        "   21  b.py",
        "    -  uv.lock (lock file, not counted)",
        "    -  logo.png (binary file, not counted)",
        "total 201 touched line(s); budget 200",
    ]


def test_exactly_the_budget_is_allowed() -> None:
    assert measure([FileChange("a.py", 100, 100)]).over_budget() is False
