"""The workflow linter runs each linter once over every workflow file and reports the worst.

The linters here are real processes (small Python programs) passed in as parameters; the
real zizmor and check-jsonschema run in the quality session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.checks.workflow_lint import (
    Linter,
    MissingToolError,
    default_linters,
    find_executable,
    lint,
    main,
    run_linters,
    workflow_files,
)

pytestmark = pytest.mark.unit

PRINT_ARGS = "import sys; print('args', *sys.argv[1:])"


def program(name: str, code: str) -> Linter:
    return Linter(name, (sys.executable, "-c", code))


@pytest.fixture
def workflows(tmp_path: Path) -> Path:
    directory = tmp_path / "workflows"
    directory.mkdir()
    for name in ("quality.yml", "b.yaml", "notes.md"):
        (directory / name).write_text("on: push\n", encoding="utf-8")
    (directory / "nested.yml").mkdir()
    return directory


def test_workflow_files_are_the_yaml_files_sorted(workflows: Path, tmp_path: Path) -> None:
    assert workflow_files(workflows) == [workflows / "b.yaml", workflows / "quality.yml"]
    assert workflow_files(tmp_path / "absent") == []


def test_every_linter_gets_every_file(workflows: Path, capfd: pytest.CaptureFixture[str]) -> None:
    files = workflow_files(workflows)
    outcomes = run_linters([program("one", PRINT_ARGS), program("two", PRINT_ARGS)], files)
    assert [(o.linter, o.returncode, o.passed) for o in outcomes] == [
        ("one", 0, True),
        ("two", 0, True),
    ]
    expected = f"args {files[0].as_posix()} {files[1].as_posix()}\n"
    assert capfd.readouterr().out == expected * 2


def test_lint_passes_when_every_linter_passes(
    workflows: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert lint(workflows, [program("a", "pass"), program("b", "pass")]) == 0
    out = capfd.readouterr().out
    assert out == "workflow_lint: a and b passed on b.yaml, quality.yml\n"


def test_lint_runs_every_linter_and_names_the_failed_ones(
    workflows: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    linters = [
        program("first", "raise SystemExit(14)"),
        program("second", "print('second ran')"),
        program("third", "raise SystemExit(1)"),
    ]
    assert lint(workflows, linters) == 1
    captured = capfd.readouterr()
    assert captured.out == "second ran\n"
    assert captured.err == "workflow_lint: first, third failed on b.yaml, quality.yml\n"


def test_lint_without_workflow_files(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert lint(tmp_path, [program("a", "pass")]) == 2
    assert "no *.yml or *.yaml files in" in capfd.readouterr().err


def test_executables_are_found_beside_the_interpreter_first() -> None:
    found = Path(find_executable(Path(sys.executable).name))
    assert found.parent == Path(sys.executable).parent


def test_a_missing_executable_names_the_install_step() -> None:
    with pytest.raises(MissingToolError, match="uv sync --group checks"):
        find_executable("no-such-linter-7f3a")


def test_the_default_linters_are_zizmor_offline_and_the_workflow_schema(tmp_path: Path) -> None:
    for name in ("zizmor", "check-jsonschema"):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\n", encoding="utf-8")
        tool.chmod(0o755)
    linters = default_linters(str(tmp_path / "python"))
    assert [(linter.name, linter.command) for linter in linters] == [
        ("zizmor", (str(tmp_path / "zizmor"), "--offline", "--no-progress")),
        (
            "check-jsonschema",
            (str(tmp_path / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"),
        ),
    ]


def test_main_without_workflow_files(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["--workflows", str(tmp_path)]) == 2
    assert capfd.readouterr().err.startswith("workflow_lint: no *.yml or *.yaml files in")


def test_missing_linters_are_named_with_the_install_step(
    workflows: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert lint(workflows, python=str(tmp_path / "bin" / "python")) == 2
    assert capfd.readouterr().err == (
        "workflow_lint: zizmor is not installed; run this check through `nox -s quality`, or"
        " `uv sync --group checks` first\n"
    )
