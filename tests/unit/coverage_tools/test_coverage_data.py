"""The measured total of a coverage JSON report, or one line saying why there is none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.coverage_tools.conftest import TOTAL, report
from tools.coverage.coverage_data import CoverageError, total_percent

pytestmark = pytest.mark.unit


def test_the_total_is_percent_covered(write_data: Callable[[object], Path]) -> None:
    assert total_percent(write_data(TOTAL)) == TOTAL
    assert total_percent(write_data(100)) == 100.0


def test_a_report_that_covers_nothing_reads_0(write_data: Callable[[object], Path]) -> None:
    assert total_percent(write_data(0)) == 0.0
    assert total_percent(write_data(0.0)) == 0.0


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"files": {}},
        {"totals": []},
        {"totals": {"covered_lines": 3}},
        report(float("nan")),
        report(100.5),
        report(-0.5),
        {"totals": {"percent_covered": True}},
        {"totals": {"percent_covered": "93"}},
    ],
)
def test_a_report_without_a_usable_total_is_refused(
    write_data: Callable[[object], Path], document: object
) -> None:
    path = write_data(document)
    with pytest.raises(CoverageError) as refused:
        total_percent(path)
    assert str(refused.value) == (
        f"{path.as_posix()}: no totals.percent_covered from 0 to 100; run `nox -s tests` first"
    )


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(CoverageError, match=r"none\.json not found: run `nox -s tests` first$"):
        total_percent(tmp_path / "none.json")
    with pytest.raises(CoverageError, match=r": cannot read \(Is a directory\)$"):
        total_percent(tmp_path)
    broken = tmp_path / "broken.json"
    for content in (b"{", b"\xff\xfe{"):
        broken.write_bytes(content)
        with pytest.raises(CoverageError, match=r"broken\.json: not valid JSON \(.*\); run `nox"):
            total_percent(broken)
