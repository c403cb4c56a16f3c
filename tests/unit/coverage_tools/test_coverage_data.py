"""Reading coverage.py's JSON report: figures from the counts, clear errors for anything else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.coverage.coverage_data import (
    Counts,
    CoverageDataError,
    load_json,
    load_report,
    parse_report,
)

pytestmark = pytest.mark.unit


def test_report_modules_are_sorted_and_figures_recomputed(
    write_data: Callable[[object], Path], coverage_document: dict[str, object]
) -> None:
    report = load_report(write_data(coverage_document))

    assert [module.path for module in report.modules] == ["ml_playground/a.py", "tools/b.py"]
    assert report.totals == Counts(94, 100, 29, 32)
    assert report.totals.line_percent == 94.0
    assert report.totals.branch_percent == 100 * 29 / 32
    assert report.totals.total_percent == 100 * 123 / 132
    b = report.modules[1]
    assert b.missing_lines == (3, 10, 11, 12, 20, 31)
    assert b.missing_branches == ((9, 10), (19, 20), (30, -28))
    assert [f.name for f in b.functions] == ["", "Reader.wait", "load"]


def test_empty_counts_are_fully_covered() -> None:
    assert Counts(0, 0, 0, 0).total_percent == 100.0
    assert Counts(3, 4, 0, 0).branch_percent == 100.0


def test_windows_separators_become_posix(coverage_document: dict[str, object]) -> None:
    files = coverage_document["files"]
    assert isinstance(files, dict)
    coverage_document["files"] = {"tools\\b.py": files["tools/b.py"]}
    assert parse_report(coverage_document).modules[0].path == "tools/b.py"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("summary", [], r"files\['tools/b.py'\].summary: expected a JSON object"),
        ("missing_lines", 3, "expected a list of line numbers"),
        ("missing_lines", [True], "expected a list of line numbers"),
        ("missing_branches", {}, r"expected a list of \[from, to\] pairs"),
        ("missing_branches", [[1]], r"expected a list of \[from, to\] pairs"),
        ("functions", [], r"functions: expected a JSON object"),
    ],
)
def test_malformed_module_entries_are_refused(
    coverage_document: dict[str, object], key: str, value: object, message: str
) -> None:
    files = coverage_document["files"]
    assert isinstance(files, dict)
    files["tools/b.py"][key] = value
    with pytest.raises(CoverageDataError, match=message):
        parse_report(coverage_document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"totals": {"covered_lines": 1, "num_statements": 1}}, "coverage JSON: missing 'files'"),
        ({"files": {}}, "coverage JSON: missing 'totals'"),
        ({"files": [], "totals": {}}, "totals: missing 'covered_lines'"),
        (
            {"files": [], "totals": {"covered_lines": 1, "num_statements": 1}},
            "files: expected a JSON object",
        ),
        (
            {"files": {}, "totals": {"covered_lines": 1, "num_statements": 1, "num_branches": 2}},
            "totals: missing 'covered_branches'",
        ),
    ],
)
def test_malformed_documents_are_refused(document: object, message: str) -> None:
    with pytest.raises(CoverageDataError, match=message):
        parse_report(document)


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(CoverageDataError, match=r"^.*/absent.json not found: run `nox -s cover"):
        load_json(tmp_path / "absent.json")
    with pytest.raises(CoverageDataError, match="cannot read"):
        load_json(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"totals": ', encoding="utf-8")
    with pytest.raises(CoverageDataError, match=r"not valid JSON \(line 1: Expecting value\)"):
        load_json(broken)


def test_json_round_trip_of_the_sample_is_exact(coverage_document: dict[str, object]) -> None:
    assert parse_report(json.loads(json.dumps(coverage_document))) == parse_report(
        coverage_document
    )
