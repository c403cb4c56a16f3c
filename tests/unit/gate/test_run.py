"""The gate's edges: what changed, where the data lives, and the commands of the checks."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.plan import Change, Plan
from tools.gate.run import (
    ChangesError,
    Step,
    data_file,
    data_problem,
    markdown_command,
    pytest_command,
    quick_steps,
    run_step,
    tool,
    working_changes,
)

pytestmark = pytest.mark.unit

NOTHING = Plan(ruff=None, pyright=None, import_linter=False, whole_suite_reason=None, markdown=None)


def test_a_clean_tree_has_no_changes(git_repo: Path) -> None:
    (git_repo / ".cache").mkdir()
    (git_repo / ".cache" / "ignored.txt").write_text("x", encoding="utf-8")
    assert working_changes(git_repo) == []


def test_staged_unstaged_untracked_deleted_and_renamed_files(git_repo: Path) -> None:
    (git_repo / "pkg" / "a.py").write_text("A = 2\n", encoding="utf-8")
    (git_repo / "README.md").write_text("# staged\n", encoding="utf-8")
    git(git_repo, "add", "README.md")
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "new file.md").write_text("new\n", encoding="utf-8")
    git(git_repo, "mv", "pkg/b.py", "pkg/c.py")
    assert working_changes(git_repo) == [
        Change("README.md", exists=True),
        Change("docs/new file.md", exists=True),
        Change("pkg/a.py", exists=True),
        Change("pkg/b.py", exists=False),
        Change("pkg/c.py", exists=True),
    ]


def test_outside_a_repository_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ChangesError, match=r"git status failed in .*: fatal: not a git repo"):
        working_changes(tmp_path)


def test_the_data_file_is_per_python_and_gate_version(tmp_path: Path) -> None:
    data = data_file(tmp_path, (3, 12))
    assert data.parent == tmp_path / ".cache/gate"
    assert data.name.startswith("testmon-py3.12-")
    assert data_file(tmp_path, (3, 12)) == data
    assert data_file(tmp_path, (3, 13)).name.startswith("testmon-py3.13-")


def test_only_a_missing_data_file_is_a_reason_to_run_every_test(tmp_path: Path) -> None:
    data = data_file(tmp_path, (3, 11))
    assert data_problem(data) == f"no recorded test dependencies yet ({data.name})"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"")
    assert data_problem(data) is None


def test_tools_come_from_the_interpreter_environment() -> None:
    assert tool("python") == str(Path(sys.executable).parent / "python")
    assert tool("no-such-tool-here") == "no-such-tool-here"


def test_markdown_scans_the_changed_files_or_the_full_list(tmp_path: Path) -> None:
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "README.md").write_text("# u\n", encoding="utf-8")
    full = markdown_command((), tmp_path)
    expected = (
        "README.md",
        "docs",
        ".dev-guidelines",
        ".ldres/tv-tasks.md",
        "tests/unit/README.md",
    )
    assert full[-5:] == expected
    assert "--exclude" in full
    assert markdown_command(("docs/a.md",), tmp_path)[-1] == "docs/a.md"


def test_quick_steps_follow_the_plan(tmp_path: Path) -> None:
    assert quick_steps(NOTHING, tmp_path) == []
    plan = Plan(
        ruff=(), pyright=None, import_linter=True, whole_suite_reason=None, markdown=("a.md",)
    )
    steps = quick_steps(plan, tmp_path)
    assert [step.name for step in steps] == [
        "ruff check",
        "ruff format",
        "import-linter",
        "markdown",
    ]
    assert steps[0].command[-1] == "."


def test_a_selection_beside_pyright_runs_in_one_process() -> None:
    beside = Plan(
        ruff=None, pyright=("a.py",), import_linter=False, whole_suite_reason=None, markdown=None
    )
    command = pytest_command(beside, ["-x"])
    assert command[:3] == (sys.executable, "-m", "pytest")
    assert command[5:7] == ("-p", "no:xdist")
    assert command[-2:] == ("--testmon", "-x")
    alone = pytest_command(NOTHING, [])
    assert "-n" in alone
    assert "--testmon" in alone
    whole = Plan(
        ruff=None, pyright=("a.py",), import_linter=False, whole_suite_reason="why", markdown=None
    )
    assert "-n" in pytest_command(whole, [])
    assert "--testmon-noselect" in pytest_command(whole, [])


def test_a_step_streams_its_output_and_says_when_it_cannot_start(tmp_path: Path) -> None:
    out = io.StringIO()
    code = (
        "import sys; print('out', flush=True); print('err', file=sys.stderr); raise SystemExit(1)"
    )
    ok, _ = run_step(Step("probe", (sys.executable, "-c", code)), tmp_path, {}, out)
    assert not ok
    assert out.getvalue().splitlines()[1:] == ["out", "err"]
    missing = str(tmp_path / "missing")
    out = io.StringIO()
    assert not run_step(Step("missing", (missing,)), tmp_path, {}, out)[0]
    assert out.getvalue().splitlines() == [
        f"gate: $ {missing}",
        f"gate: error: missing could not start: {missing}: No such file or directory",
    ]
