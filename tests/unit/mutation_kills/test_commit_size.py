"""Tests that kill surviving mutants of the size budget in tools/workflow/commit_rules.py (see
docs/testing/mutation.md): paths with tabs, a rename followed by another file, the order of
the size details, and immutable reports."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.commit_rules import FileChange, SizeReport, describe_size, parse_numstat

pytestmark = pytest.mark.unit


def test_a_path_may_contain_tabs() -> None:
    assert parse_numstat("3\t1\tdocs/a\tb.md\0") == [FileChange("docs/a\tb.md", 3, 1)]


def test_the_record_after_a_rename_is_read() -> None:
    output = "1\t1\t\0old.py\0new.py\0" + "4\t0\tnext.py\0"
    assert parse_numstat(output) == [
        FileChange("new.py", 1, 1, "old.py"),
        FileChange("next.py", 4, 0),
    ]


def test_details_list_the_biggest_files_first_then_by_path() -> None:
    report = SizeReport(25, (("b.py", 5), ("c.py", 10), ("z.py", 5), ("a.py", 5)), ())
    assert describe_size(report, budget=200) == [
        "   10  c.py",
        "    5  a.py",
        "    5  b.py",
        "    5  z.py",
        "total 25 touched line(s); budget 200",
    ]


def test_changes_and_reports_are_immutable() -> None:
    change = FileChange("a.py", 1, 2)
    report = SizeReport(3, (("a.py", 3),), ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.added = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.total = 5  # type: ignore[misc]
