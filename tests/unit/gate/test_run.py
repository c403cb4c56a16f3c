"""The gate's edges: what changed, where the data lives, and the commands of the checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.gate.plan import Plan
from tools.gate.run import markdown_command, pytest_command, quick_steps, tool

pytestmark = pytest.mark.unit

NOTHING = Plan(ruff=None, pyright=None, import_linter=False, whole_suite_reason=None, markdown=None)


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
