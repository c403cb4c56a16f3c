"""The gate benchmark's pure parts: faults and runs as values, their loading, the report lines."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tools.benchmarks.bench_gate import (
    TIMEOUT_SECONDS,
    Fault,
    Run,
    describe,
    load_faults,
    main,
    missed,
    summary,
    write,
)

pytestmark = pytest.mark.unit


def test_a_hanging_run_is_stopped_after_fifteen_minutes() -> None:
    assert TIMEOUT_SECONDS == 15 * 60


def test_faults_and_runs_are_immutable() -> None:
    fault = Fault("typo")
    ran = Run(caught=True, seconds=1.0)

    with pytest.raises(dataclasses.FrozenInstanceError):
        fault.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ran.caught = False  # type: ignore[misc]

    assert (fault.name, ran.caught) == ("typo", True)


def test_a_fault_changes_the_work_tree_unless_it_says_index_only() -> None:
    assert Fault("typo").index_only is False


def test_a_loaded_fault_without_index_only_changes_the_work_tree(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text(
        json.dumps(
            [
                {"name": "plain", "path": "a.py", "original": "x", "replacement": "y"},
                {"name": "hidden", "path": "a.py", "original": "x", "index_only": True},
            ]
        ),
        encoding="utf-8",
    )

    plain, hidden = load_faults(path)

    assert plain == Fault("plain", "a.py", "x", "y")
    assert plain.index_only is False
    assert hidden.index_only is True


def test_files_are_written_with_their_parent_directories(tmp_path: Path) -> None:
    write(tmp_path, {"deep/er/new.py": "N = 1\n", "top.txt": "t\n"})

    assert (tmp_path / "deep" / "er" / "new.py").read_text(encoding="utf-8") == "N = 1\n"
    assert (tmp_path / "top.txt").read_text(encoding="utf-8") == "t\n"


def test_a_caught_fault_names_what_caught_it_and_a_passed_one_says_so() -> None:
    caught = ("typo", Run(True, 12.25, 3.5, "pytest,ruff"), None)
    passed = ("harmless", Run(False, 1.0, 0.5), Run(True, 30.0, 20.0, "pyright"))

    assert describe(caught) == f"{'typo':28} gate   12.2 s (cpu    3.5 s) caught (pytest,ruff)"
    assert describe(passed) == (
        f"{'harmless':28} gate    1.0 s (cpu    0.5 s) passed"
        "   reference   30.0 s (cpu   20.0 s) caught (pyright)"
    )


def test_the_summary_names_the_faults_the_reference_does_not_catch_either() -> None:
    outcomes = [
        ("real", Run(False, 1.0, 1.0), Run(True, 5.0, 4.0, "pytest")),
        ("harmless", Run(False, 3.0, 2.0), Run(False, 7.0, 6.0)),
    ]

    assert summary(outcomes) == [
        "faults: 2",
        "gate: median 2.0 s, max 3.0 s; cpu median 1.5 s, max 2.0 s",
        "reference: median 6.0 s, max 7.0 s; cpu median 5.0 s, max 6.0 s",
        "not caught by the reference either: 1 (harmless)",
        "missed by the gate: 1 (real)",
    ]


def test_a_miss_is_a_fault_the_gate_passes_and_the_reference_if_run_catches() -> None:
    outcomes = [
        ("caught", Run(True, 1.0), None),
        ("passed", Run(False, 1.0), None),
        ("caught-both", Run(True, 1.0), Run(True, 2.0)),
        ("real", Run(False, 1.0), Run(True, 2.0)),
        ("harmless", Run(False, 1.0), Run(False, 2.0)),
    ]

    assert missed(outcomes) == ["passed", "real"]
    assert missed(outcomes[:1]) == []


def test_a_limit_of_zero_places_no_fault_and_clones_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"name": "typo"}]), encoding="utf-8")
    argv = ["--repo", str(tmp_path / "nowhere"), "--faults", str(faults), "--limit", "0"]

    assert main(argv) == 2
    assert capsys.readouterr().err == "error: bench_gate: no fault to place (--limit, --only)\n"
