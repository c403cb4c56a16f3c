"""The gate benchmark on the small project: faults staged as a user would, none missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gate.test_gate_run import LIB, THIS_PYTHON, make_scratch
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


def write_faults(path: Path, *faults: dict[str, Any]) -> Path:
    path.write_text(json.dumps(list(faults)), encoding="utf-8")
    return path


def test_faults_of_every_placement_are_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    faults = write_faults(
        tmp_path / "f.json",
        {
            "name": "index-only",
            "path": LIB,
            "original": "2 * x",
            "replacement": "x",
            "index_only": True,
        },
        {
            "name": "untracked",
            "path": LIB,
            "original": "    return 2 * x",
            "replacement": "    return 2 * x * __import__("
            "'ml_playground.gate_scratch_new', fromlist=['N']).N",
            "untracked": {"ml_playground/gate_scratch_new.py": "N = 1\n"},
        },
        {"name": "budget", "add": {".gitattributes": "n.txt -diff\n", "n.txt": "n\n" * 300}},
        {"name": "removed", "remove": [LIB]},
    )
    argv = ["--repo", str(project), "--python", THIS_PYTHON, "--faults", str(faults)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[:4]] == ["index-only", "untracked", "budget", "removed"]
    assert "caught (pytest" in out[0]
    assert "caught (pytest" in out[1]
    assert "caught (size (301 lines))" in out[2]
    assert out[4] == "faults: 4"
    assert out[-1] == "missed by the gate: 0"
    assert (project / LIB).read_text(encoding="utf-8").count("2 * x") == 1


def test_a_fault_the_gate_passes_is_a_miss_unless_the_reference_passes_it_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    harmless = {"name": "harmless", "add": {"notes.txt": "n\n"}}
    faults = write_faults(tmp_path / "f.json", harmless)
    argv = ["--repo", str(project), "--python", THIS_PYTHON, "--faults", str(faults)]
    assert main(argv) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "missed by the gate: 1 (harmless)"
    assert main([*argv, "--reference"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "not caught by the reference either: 1 (harmless)",
        "missed by the gate: 0",
    ]


def test_bad_arguments_and_unplaceable_faults_stop_the_benchmark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_scratch(tmp_path / "project")
    gone = {"name": "gone", "path": "ml_playground/x.py", "original": "gone()", "replacement": "b"}
    faults = write_faults(tmp_path / "f.json", gone)
    argv = ["--repo", str(project), "--python", THIS_PYTHON, "--faults", str(faults)]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: bench_gate: fault gone: 'gone()' is not once in ml_playground/x.py\n"
    )
    assert main([*argv, "--limit", "0"]) == 2
    assert main([*argv, "--only", "other"]) == 2
    assert main(["--faults", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "object.json").write_text("{}", encoding="utf-8")
    assert main(["--faults", str(tmp_path / "object.json")]) == 2
    capsys.readouterr()
    assert main(["--repo", str(tmp_path / "nowhere"), "--faults", str(faults)]) == 2
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
    outcomes = [("a", Run(True, 1.0), None), ("b", Run(False, 3.0), None)]
    assert summary(outcomes) == [
        "faults: 2",
        "gate: median 2.0 s, max 3.0 s; cpu median 0.0 s, max 0.0 s",
        "missed by the gate: 1 (b)",
    ]


def test_the_built_in_faults_cover_every_class_and_are_named_once() -> None:
    faults = load_faults(FAULTS)
    names = [fault.name for fault in faults]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert sum(fault.index_only for fault in faults) >= 2
    assert sum(bool(fault.untracked) for fault in faults) >= 2
    assert any(fault.remove for fault in faults)
    assert any(".gitattributes" in fault.add for fault in faults)
    assert {"ml_playground", "tools", "tests", ".github", "pyproject.toml"} <= {
        fault.path.split("/")[0] for fault in faults
    }


def test_every_built_in_fault_can_be_placed_in_this_tree() -> None:
    """A refactor that removes a fault's text must update gate_faults.json in the same change,
    or the benchmark stops at that fault."""
    root = Path(__file__).resolve().parents[3]
    for fault in load_faults(FAULTS):
        if fault.path:
            assert locate(root, fault).is_file(), fault.name
        for removed in fault.remove:
            assert (root / removed).is_file(), fault.name


def test_a_hanging_run_is_stopped_with_its_children_and_fails(tmp_path: Path) -> None:
    block = "import os; r, w = os.pipe(); os.read(r, 1)"  # waits forever: nobody writes
    code = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {block!r}]); {block}"
    ran = timed([sys.executable, "-c", code], tmp_path, {}, timeout=1.0)
    assert ran.caught
    assert ran.seconds < 30
