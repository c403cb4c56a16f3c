"""The gate benchmark on the small project: faults staged as a user would, none missed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.git_env import isolated_git_env
from tests.integration.gate.test_gate_run import LIB, THIS_PYTHON, make_scratch
from tools.benchmarks.bench_gate import (
    FAULTS,
    BenchError,
    Fault,
    Run,
    bench,
    git,
    judged,
    load_faults,
    locate,
    main,
    place,
    prepare_clone,
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


def _repo(root: Path, files: dict[str, str]) -> Path:
    """``files`` committed in a new repository whose git calls ignore the user's config."""
    env = isolated_git_env()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for args in (("init", "-q", "-b", "main"), ("add", "."), ("commit", "-q", "-m", "init")):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root


def _git_out(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_a_run_is_caught_by_the_checks_the_gate_reports_failed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "print('gate: FAILED pytest (1.0 s)')\n"
        "print('gate: ok     ruff (0.1 s)')\n"
        "print('gate: FAILED pyright (2.0 s)')\n"
        "sys.exit(1)\n"
    )

    ran = timed([sys.executable, "-c", code], tmp_path, {})

    assert ran.caught is True
    assert ran.by == "pytest,pyright"


def test_a_passing_run_names_no_cause_and_a_failing_one_its_own(tmp_path: Path) -> None:
    passed = timed([sys.executable, "-c", "pass"], tmp_path, {})
    failed = timed([sys.executable, "-c", "import sys; sys.exit('broken')"], tmp_path, {})

    assert (passed.caught, passed.by) == (False, "")
    assert (failed.caught, failed.by) == (True, "broken")


def test_a_run_counts_the_user_and_system_cpu_of_its_own_processes_only(tmp_path: Path) -> None:
    """dd spends its time in the kernel (system time); ``true`` spends next to none."""
    zeroes = ["dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=3000"]

    copied = timed(zeroes, tmp_path, {})
    idle = timed(["true"], tmp_path, {})

    assert copied.cpu >= 0.02
    assert 0.0 <= idle.cpu < 0.02


def test_a_failing_git_call_names_its_subcommand(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"a.py": "x = 1\n"})

    with pytest.raises(BenchError) as failed:
        git(repo, "rm", "-q", "--", "missing.txt")

    assert str(failed.value) == (
        "git rm failed: fatal: pathspec 'missing.txt' did not match any files"
    )


def test_a_placed_fault_is_staged_and_left_in_the_work_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"a.py": "x = 1\n"})

    place(repo, Fault("plain", "a.py", "x = 1", "x = 2", add={"new/n.txt": "n\n"}))

    assert _git_out(repo, "diff", "--cached", "--name-only").split() == ["a.py", "new/n.txt"]
    assert _git_out(repo, "show", ":a.py") == "x = 2\n"
    assert (repo / "a.py").read_text(encoding="utf-8") == "x = 2\n"


def test_an_index_only_fault_leaves_the_work_tree_as_it_was(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"a.py": "x = 1\n"})

    place(repo, Fault("hidden", "a.py", "x = 1", "x = 2", index_only=True))

    assert _git_out(repo, "diff", "--cached", "--name-only").split() == ["a.py"]
    assert _git_out(repo, "show", ":a.py") == "x = 2\n"
    assert (repo / "a.py").read_text(encoding="utf-8") == "x = 1\n"


def test_a_change_over_the_size_budget_is_caught_without_running_the_gate(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    place(repo, Fault("budget", add={".gitattributes": "n.txt -diff\n", "n.txt": "n\n" * 300}))
    ran_gate = tmp_path / "gate-ran"

    ran = judged(repo, ["touch", str(ran_gate)], dict(os.environ))

    assert ran == Run(True, 0.0, 0.0, "size (301 lines)")
    assert not ran_gate.exists()


FAKE_GATE = """import pathlib, subprocess, sys

data = pathlib.Path(".cache/gate")
data.mkdir(parents=True, exist_ok=True)
seen = ",".join(f"{p.name}={p.read_text()}" for p in sorted(data.glob("testmon-*")))
with open("../seen.txt", "a") as log:
    log.write(seen + "\\n")
if subprocess.run(["git", "diff", "--cached", "--quiet"]).returncode:
    (data / "testmon-db").write_text("dirty")
    (data / "testmon-db-wal").write_text("wal")
    print("gate: FAILED pytest (0.1 s)")
    sys.exit(1)
(data / "testmon-db").write_text("clean")
"""


def test_every_fault_starts_from_the_gate_data_of_the_clean_clone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate module is the clone's own (``python -m`` runs from the clone): a stand-in
    that logs the testmon files it finds, then changes them."""
    repo = _repo(
        tmp_path / "repo",
        {
            ".gitignore": ".cache/\n",
            "tools/__init__.py": "",
            "tools/gate/__init__.py": "",
            "tools/gate/run.py": FAKE_GATE,
        },
    )
    (tmp_path / "work").mkdir()
    clone = prepare_clone(repo, tmp_path / "work")
    faults = [Fault("one", add={"one.txt": "1\n"}), Fault("two", add={"two.txt": "2\n"})]

    outcomes = bench(clone, faults, [], reference=False)

    seen = (tmp_path / "work" / "seen.txt").read_text(encoding="utf-8").splitlines()
    assert seen == ["", "testmon-db=clean", "testmon-db=clean"]
    assert [(name, gate.caught, gate.by, ref) for name, gate, ref in outcomes] == [
        ("one", True, "pytest", None),
        ("two", True, "pytest", None),
    ]
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == ["one", "two"]
    assert sorted(path.name for path in (clone / ".cache" / "gate").iterdir()) == ["testmon-db"]


PEEKING_GATE = """import json, os, pathlib, subprocess, sys

staged = subprocess.run(["git", "diff", "--cached", "--quiet"]).returncode
with open(os.environ["BENCH_PEEK_LOG"], "a") as log:
    log.write(json.dumps(pathlib.Path(os.environ["BENCH_PEEK_OUT"]).read_text()) + "\\n")
sys.exit(1 if staged else 0)
"""


def test_each_outcome_is_printed_before_the_next_fault_runs(tmp_path: Path) -> None:
    """The benchmark's output goes to a file, buffered (no PYTHONUNBUFFERED); the stand-in gate
    logs what the file holds when it runs."""
    repo = _repo(
        tmp_path / "repo",
        {"tools/__init__.py": "", "tools/gate/__init__.py": "", "tools/gate/run.py": PEEKING_GATE},
    )
    faults = write_faults(
        tmp_path / "f.json", {"name": "one", "add": {"1.txt": "1\n"}}, {"name": "two", "add": {}}
    )
    out, log = tmp_path / "out.txt", tmp_path / "log.txt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env |= {"BENCH_PEEK_OUT": str(out), "BENCH_PEEK_LOG": str(log)}
    argv = ["--repo", str(repo), "--faults", str(faults)]
    with out.open("w", encoding="utf-8") as stdout:
        completed = subprocess.run(
            [sys.executable, "-m", "tools.benchmarks.bench_gate", *argv],
            cwd=Path(__file__).resolve().parents[3],
            env=env,
            stdout=stdout,
            check=False,
        )

    assert completed.returncode == 1
    peeks = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert peeks[:2] == ["", ""]
    assert peeks[2].startswith("one ")
    assert out.read_text(encoding="utf-8").splitlines()[-1] == "missed by the gate: 1 (two)"
