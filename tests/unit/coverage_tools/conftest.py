"""Coverage JSON reports as ``coverage json`` writes them, reduced to what the tools read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

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
