"""The gate benchmark on the small project: one fault, caught by both runs, none missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.integration.gate.test_gate_run import make_scratch
from tools.benchmarks.bench_gate import (
    FAULTS,
    BenchError,
    Fault,
    Run,
    load_faults,
    locate,
    main,
    summary,
    timed,
)

pytestmark = pytest.mark.integration


def write_fault(path: Path, name: str, file: str, original: str, replacement: str) -> Path:
    path.write_text(json.dumps({file: {name: [original, replacement]}}), encoding="utf-8")
    return path


def test_one_fault_is_caught_by_both_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    lib = "ml_playground/gate_scratch_lib.py"
    faults = write_fault(tmp_path / "f.json", "double-identity", lib, "return 2 * x", "return x")
    argv = ["--repo", str(project), "--python", sys.executable, "--faults", str(faults)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("double-identity")
    assert out[0].count("caught") == 2
    assert out[1] == "faults: 1"
    assert out[2].startswith("incremental gate: median ")
    assert out[-2:] == [
        "missed by the gate, caught by the full run: 0",
        "not caught by the full run either: 0",
    ]
    assert (project / "ml_playground/gate_scratch_lib.py").read_text().count("2 * x") == 1


def test_plain_testmon_misses_a_change_to_a_file_read_as_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    data = "ml_playground/gate_scratch_data.txt"
    faults = write_fault(tmp_path / "f.json", "data", data, "expected", "changed")
    argv = ["--repo", str(project), "--python", sys.executable, "--faults", str(faults)]
    assert main(argv) == 0
    assert main([*argv, "--testmon-only"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "missed by the gate, caught by the full run: 1 (data)"


def test_a_fault_whose_text_is_gone_stops_the_benchmark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    faults = write_fault(tmp_path / "f.json", "gone", "ml_playground/x.py", "gone()", "b")
    argv = ["--repo", str(project), "--python", sys.executable, "--faults", str(faults)]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: bench_gate: fault gone: 'gone()' is not once in ml_playground/x.py\n"
    )
    assert main([*argv, "--limit", "0"]) == 2
    assert main(["--faults", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    assert main(["--faults", str(tmp_path / "list.json")]) == 2
    capsys.readouterr()
    assert main(["--repo", str(tmp_path / "nowhere"), "--python", sys.executable]) == 2
    assert capsys.readouterr().err.startswith("error: bench_gate: git clone failed: fatal: ")


def test_moved_text_is_found_in_the_one_file_below_the_same_top(tmp_path: Path) -> None:
    moved = tmp_path / "tools" / "workflow" / "commit_rules.py"
    moved.parent.mkdir(parents=True)
    moved.write_text("LINE_BUDGET = 200\n", encoding="utf-8")
    (tmp_path / "tools" / "workflow" / "commit_size.py").write_text("", encoding="utf-8")
    fault = Fault("budget", "tools/workflow/commit_size.py", "LINE_BUDGET = 200", "x")
    assert locate(tmp_path, fault) == moved
    (tmp_path / "tools" / "copy.py").write_text("LINE_BUDGET = 200\n", encoding="utf-8")
    with pytest.raises(BenchError, match=r"is not once in tools/workflow/commit_size\.py"):
        locate(tmp_path, fault)


def test_the_summary_names_the_misses() -> None:
    outcomes = [
        ("a", Run(True, 1.0), Run(True, 9.0)),
        ("b", Run(False, 3.0), Run(True, 7.0)),
        ("c", Run(False, 2.0), Run(False, 8.0)),
    ]
    assert summary(outcomes) == [
        "faults: 3",
        "incremental gate: median 2.0 s, max 3.0 s; cpu median 0.0 s, max 0.0 s",
        "full tests:       median 8.0 s, max 9.0 s; cpu median 0.0 s, max 0.0 s",
        "missed by the gate, caught by the full run: 1 (b)",
        "not caught by the full run either: 1 (c)",
    ]


def test_the_built_in_faults_are_at_least_twenty_and_named_once() -> None:
    faults = load_faults(FAULTS)
    names = [fault.name for fault in faults]
    assert len(names) >= 20
    assert len(set(names)) == len(names)
    assert {"ml_playground", "tools"} <= {fault.path.split("/")[0] for fault in faults}


def test_every_built_in_fault_can_be_placed_in_this_tree() -> None:
    """A refactor that removes a fault's text must update gate_faults.json in the same change,
    or the benchmark stops at that fault."""
    root = Path(__file__).resolve().parents[3]
    for fault in load_faults(FAULTS):
        assert locate(root, fault).is_file(), fault.name


def test_a_hanging_run_is_stopped_with_its_children_and_fails(tmp_path: Path) -> None:
    block = "import os; r, w = os.pipe(); os.read(r, 1)"  # waits forever: nobody writes
    code = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {block!r}]); {block}"
    ran = timed([sys.executable, "-c", code], tmp_path, {}, timeout=1.0)
    assert ran.caught
    assert ran.seconds < 30
