"""The static checks: which of them a plan runs, and ``python -m tools.gate.checks`` naming each
result, a tool that cannot start included."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from tools.gate.checks import Step, check_steps, main
from tools.gate.plan import Lists, Plan

pytestmark = pytest.mark.unit

LISTS = Lists(("README.md",), ())
SETTINGS = """[tool.ml_playground]
pythons = ["3.11"]
fast-tests = ["tests/unit"]
markdown = ["README.md"]
markdown-generated = []
test-env = {}
pycache = ".cache/pyc"
"""


def test_workflow_checks_run_only_when_the_plan_asks_even_if_workflows_exist(
    tmp_path: Path,
) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "q.yaml").write_text("", encoding="utf-8")
    python = str(tmp_path / "bin" / "python")
    only_markdown = Plan(None, None, False, ("README.md",), False, False, None)
    assert [step.name for step in check_steps(only_markdown, tmp_path, python, LISTS)] == [
        "markdown"
    ]
    with_workflows = Plan(None, None, False, None, True, False, None)
    steps = check_steps(with_workflows, tmp_path, python, LISTS)
    assert [step.name for step in steps] == ["zizmor", "check-jsonschema"]
    assert steps[1].command[-1] == ".github/workflows/q.yaml"


def test_every_check_is_reported_with_its_time_and_those_that_cannot_start_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ruff").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (bin_dir / "ruff").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    assert main() == 1
    out = capsys.readouterr().out
    cannot = re.findall(r"^checks: error: (.+) could not start: ", out, re.MULTILINE)
    results = re.findall(r"^checks: (ok    |FAILED) (.+) \((\d+\.\d) s\)$", out, re.MULTILINE)
    assert cannot == [
        "lock",
        "vulture",
        "import-linter",
        "no mocks",
        "pep420",
        "markdown",
        "pyright",
    ]
    assert [(status, name) for status, name, _ in results] == [
        ("FAILED", "lock"),
        ("ok    ", "ruff check"),
        ("ok    ", "ruff format"),
        *(("FAILED", name) for name in cannot[1:]),
    ]
    assert all(float(seconds) < 5 for _, _, seconds in results)


def test_checks_that_all_pass_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("uv", "ruff", "vulture", "lint-imports", "python", "pymarkdown", "pyright"):
        (bin_dir / name).write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))

    assert main() == 0
    out = capsys.readouterr().out
    results = re.findall(r"^checks: (ok    |FAILED) (.+) \(", out, re.MULTILINE)
    assert results == [
        ("ok    ", name)
        for name in (
            *("lock", "ruff check", "ruff format", "vulture", "import-linter", "no mocks"),
            *("pep420", "markdown", "pyright"),
        )
    ]


def test_a_step_is_a_value_that_cannot_change() -> None:
    step = Step("ruff", ("ruff", "check"))

    with pytest.raises(dataclasses.FrozenInstanceError):
        step.name = "other"  # type: ignore[misc]
    assert {step, Step("ruff", ("ruff", "check"))} == {step}
