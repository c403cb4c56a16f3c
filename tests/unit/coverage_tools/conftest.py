"""Coverage JSON documents shaped exactly like ``coverage json`` (format 3) writes them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import pytest

Document = dict[str, object]


def summary(covered: int, statements: int, covered_branches: int, branches: int) -> Document:
    """A ``summary``/``totals`` object; the percentages are what coverage.py would write."""
    total = statements + branches
    percent = 100.0 if total == 0 else 100 * (covered + covered_branches) / total
    return {
        "covered_lines": covered,
        "num_statements": statements,
        "percent_covered": percent,
        "percent_covered_display": f"{percent:.2f}",
        "missing_lines": statements - covered,
        "excluded_lines": 0,
        "num_branches": branches,
        "num_partial_branches": 0,
        "covered_branches": covered_branches,
        "missing_branches": branches - covered_branches,
    }


def function(
    missing_lines: Sequence[int] = (), missing_branches: Sequence[tuple[int, int]] = ()
) -> Document:
    return {
        "executed_lines": [],
        "summary": summary(0, 0, 0, 0),
        "missing_lines": list(missing_lines),
        "excluded_lines": [],
        "executed_branches": [],
        "missing_branches": [list(arc) for arc in missing_branches],
    }


def module(counts: tuple[int, int, int, int], functions: dict[str, Document]) -> Document:
    missing_lines: list[int] = []
    missing_branches: list[list[int]] = []
    for entry in functions.values():
        missing_lines.extend(cast("list[int]", entry["missing_lines"]))
        missing_branches.extend(cast("list[list[int]]", entry["missing_branches"]))
    return {
        "executed_lines": [],
        "summary": summary(*counts),
        "missing_lines": sorted(missing_lines),
        "excluded_lines": [],
        "executed_branches": [],
        "missing_branches": sorted(missing_branches),
        "functions": functions,
        "classes": {},
    }


def sample_document() -> Document:
    """Two modules: one fully covered, one with gaps in two functions and at module level."""
    files: dict[str, Document] = {
        "tools/b.py": module(
            (34, 40, 9, 12),
            {
                "": function([3]),
                "load": function([10, 11, 12, 20], [(9, 10), (19, 20)]),
                "Reader.wait": function([31], [(30, -28)]),
            },
        ),
        "ml_playground/a.py": module((60, 60, 20, 20), {"": function(), "run": function()}),
    }
    return {
        "meta": {"format": 3, "version": "7.17.5", "timestamp": "2026-01-01T00:00:00"},
        "files": files,
        "totals": summary(94, 100, 29, 32),
    }


@pytest.fixture
def coverage_document() -> Document:
    return sample_document()


@pytest.fixture
def document_with_totals() -> Callable[[int, int, int, int], Document]:
    """A report whose totals are (covered lines, statements, covered branches, branches)."""

    def build(covered: int, statements: int, covered_branches: int, branches: int) -> Document:
        document = sample_document()
        document["totals"] = summary(covered, statements, covered_branches, branches)
        return document

    return build


TOTAL = 100 * 123 / 132
"""The measured total of the sample report (93.18%)."""


def report(total: float) -> dict[str, object]:
    """A report whose ``totals`` say ``total`` percent of lines and branches are covered."""
    return {
        "meta": {"format": 3, "version": "7.17.5"},
        "files": {},
        "totals": {"covered_lines": 94, "num_statements": 100, "percent_covered": total},
    }


@pytest.fixture
def write_data(tmp_path: Path) -> Callable[[object], Path]:
    """Write a report (a number: :func:`report` of it) to ``tmp_path/coverage.json``."""

    def write(document: object) -> Path:
        path = tmp_path / "coverage.json"
        data = report(document) if isinstance(document, float | int) else document
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write
