"""The gate's edges: what a commit changes, where the data lives, the commands it runs."""

from __future__ import annotations

import argparse
import dataclasses
import io
import re
import sys
import time
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.checks import Settings, Step, check_steps, markdown_targets, read_settings
from tools.gate.plan import EVERYTHING, Change, Lists, Plan
from tools.gate.run import (
    changes_between,
    data_file,
    data_problem,
    describe,
    graph_or_none,
    interpreters,
    judge,
    pytest_step,
    run_steps,
)

pytestmark = pytest.mark.unit

NOTHING = Plan(None, None, False, None, False, False, None)
LISTS = Lists(("README.md", "docs", "tests/*/README.md"), ("docs/generated.md",))
SETTINGS = Settings(("3.11",), ("tests/unit",), LISTS, {"PYTHONHASHSEED": "0"})


def test_a_commit_changes_what_differs_from_its_parent(git_repo: Path) -> None:
    parent = git(git_repo, "rev-parse", "HEAD").strip()
    (git_repo / "pkg" / "a.py").write_text("A = 2\n", encoding="utf-8")
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "new file.md").write_text("new\n", encoding="utf-8")
    git(git_repo, "mv", "pkg/b.py", "pkg/c.py")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "change")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert changes_between(git_repo, parent, head) == [
        Change("docs/new file.md", exists=True),
        Change("pkg/a.py", exists=True),
        Change("pkg/b.py", exists=False),
        Change("pkg/c.py", exists=True),
    ]
    assert changes_between(git_repo, head, head) == []


def test_a_root_commit_changes_every_file(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert [c.path for c in changes_between(git_repo, None, head)] == [
        ".gitignore",
        "README.md",
        "pkg/a.py",
        "pkg/b.py",
    ]


def test_the_data_file_is_per_python_and_per_version_of_the_gate(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "tools" / "gate").mkdir(parents=True)
    recording = tree / "tools" / "gate" / "deps.py"
    recording.write_text("x = 1\n", encoding="utf-8")
    data = data_file(tmp_path, tree, "3.12")
    assert data.parent == tmp_path / ".cache/gate"
    assert data.name.startswith("testmon-py3.12-")
    assert data_file(tmp_path, tree, "3.13").name.startswith("testmon-py3.13-")
    (tree / "tools" / "gate" / "plan.py").write_text("x = 2\n", encoding="utf-8")
    assert data_file(tmp_path, tree, "3.12") == data  # the plan records nothing
    recording.write_text("x = 2\n", encoding="utf-8")
    assert data_file(tmp_path, tree, "3.12") != data


def test_only_a_missing_data_file_is_a_reason_to_run_every_test(tmp_path: Path) -> None:
    data = tmp_path / "testmon-py3.11-x.db"
    assert data_problem(data) == "no recorded test dependencies yet (testmon-py3.11-x.db)"
    data.write_bytes(b"")
    assert data_problem(data) is None


def test_each_python_gets_an_environment_synced_from_the_tree_or_the_one_given(
    tmp_path: Path,
) -> None:
    found, syncs = interpreters(tmp_path, tmp_path / "tree", ["3.11=/bin/py", "3.12"])
    assert found == {
        "3.11": "/bin/py",
        "3.12": str(tmp_path / ".cache/gate/envs/py3.12/bin/python"),
    }
    (sync,) = syncs
    assert sync.command[:4] == ("uv", "sync", "--quiet", "--locked")
    assert sync.command[-2:] == ("--python", "3.12")
    assert sync.env == {
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / ".cache/gate/envs/py3.12"),
        "UV_PYTHON_DOWNLOADS": "never",
    }


def test_each_python_runs_its_tests_in_one_process_with_its_own_data(tmp_path: Path) -> None:
    data = tmp_path / "d.db"
    step = pytest_step(NOTHING, "3.12", "/env/bin/python", data, SETTINGS, ("--lf",))
    assert step.name == "pytest 3.12"
    assert step.command == (
        "/env/bin/python",
        *("-m", "pytest", "tests/unit", "-x", "-p", "no:xdist"),
        *("-p", "tools.gate.pytest_deps", "--testmon", "--lf"),
    )
    assert step.env is not None
    assert step.env["TESTMON_DATAFILE"] == str(data)
    assert step.env["PATH"].startswith("/env/bin")
    assert step.env["PYTHONHASHSEED"] == "0"
    whole = pytest_step(EVERYTHING, "3.11", "/env/bin/python", data, SETTINGS, ())
    assert "--testmon-noselect" in whole.command


def test_the_static_checks_follow_the_plan(tmp_path: Path) -> None:
    python = str(tmp_path / "bin" / "python")
    assert check_steps(NOTHING, tmp_path, python, LISTS) == []
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "q.yml").write_text("", encoding="utf-8")
    steps = check_steps(EVERYTHING, tmp_path, python, LISTS)
    assert [step.name for step in steps] == [
        "lock",
        "ruff check",
        "ruff format",
        "vulture",
        "import-linter",
        "no mocks",
        "pep420",
        "markdown",
        "zizmor",
        "check-jsonschema",
        "pyright",
    ]
    assert steps[1].command[0] == str(tmp_path / "bin" / "ruff")
    assert steps[1].command[-1] == "."
    assert steps[8].command[-1] == ".github/workflows/q.yml"
    assert steps[-1].command[1:3] == ("--pythonpath", python)


def test_markdown_scans_the_changed_files_or_the_whole_list(tmp_path: Path) -> None:
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "README.md").write_text("# u\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    assert markdown_targets((), tmp_path, LISTS) == ["docs", "tests/unit/README.md"]
    assert markdown_targets(("docs/a.md",), tmp_path, LISTS) == ["docs/a.md"]


def test_settings_come_from_pyproject_and_their_absence_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ml_playground]\npythons = ["3.11"]\nfast-tests = ["t"]\nmarkdown = ["a.md"]\n'
        'markdown-generated = []\ntest-env = { A = "1" }\npycache = ".cache/pyc"\n',
        encoding="utf-8",
    )
    settings = read_settings(tmp_path)
    assert (settings.pythons, settings.fast_tests) == (("3.11",), ("t",))
    assert settings.lists == Lists(("a.md",), ())
    assert settings.test_env == {"A": "1", "PYTHONPYCACHEPREFIX": str(tmp_path / ".cache/pyc")}
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    with pytest.raises(KeyError, match=r"has no \[tool.ml_playground\] table"):
        read_settings(tmp_path)


def test_steps_run_side_by_side_and_say_when_one_cannot_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); raise SystemExit(1)"
    missing = str(tmp_path / "missing")
    results = run_steps(
        [Step("probe", (sys.executable, "-c", code)), Step("missing", (missing,))], tmp_path
    )
    assert [(name, passed) for name, passed, _ in results] == [("probe", False), ("missing", False)]
    out = capsys.readouterr().out
    assert "out\nerr\n" in out
    assert f"gate: error: missing could not start: {missing}: No such file or directory" in out


def test_the_data_file_name_carries_twelve_hex_digits_of_the_recording_rules(
    tmp_path: Path,
) -> None:
    data = data_file(tmp_path, tmp_path / "tree", "3.12")
    assert re.fullmatch(r"testmon-py3\.12-[0-9a-f]{12}\.db", data.name)


def test_a_root_commit_adds_every_file(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert all(change.exists for change in changes_between(git_repo, None, head))


def test_an_import_graph_that_cannot_be_built_is_none_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = broken_tree(tmp_path, monkeypatch)
    assert graph_or_none(tree) is None
    out = capsys.readouterr().out
    assert out.startswith("gate: the import graph could not be built (Syntax error in ")
    assert out.endswith("); pyright checks all\n")


def test_the_plan_names_each_check_s_scope_and_why_every_test_runs() -> None:
    plan = Plan(None, ("a.py", "b.py"), False, (), False, False, "conftest.py changed")
    assert describe(plan, 3, ["3.11", "3.12"]) == [
        "gate: 3 changed files; ruff: skipped; pyright: 2 files; markdown: everything",
        "gate: tests on Python 3.11, 3.12: the whole fast suite: conftest.py changed",
    ]
    selected = dataclasses.replace(plan, ruff=("a.py",), whole_suite_reason=None)
    assert describe(selected, 1, ["3.13"]) == [
        "gate: 1 changed files; ruff: 1 files; pyright: 2 files; markdown: everything",
        "gate: tests on Python 3.13: those testmon selects from the recorded dependencies",
    ]


def test_each_step_s_time_is_what_it_took(tmp_path: Path) -> None:
    start = time.monotonic()
    ((_, passed, took),) = run_steps([Step("probe", (sys.executable, "-c", ""))], tmp_path)
    assert passed
    assert 0 <= took <= time.monotonic() - start


def test_each_step_s_output_is_written_out_as_soon_as_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(written, encoding="utf-8"))
    run_steps([Step("probe", (sys.executable, "-c", "print('out')"))], tmp_path)
    assert written.getvalue().decode() == f"gate: $ {sys.executable} -c print('out')\nout\n"


PYPROJECT = """\
[tool.ml_playground]
pythons = ["3.11"]
fast-tests = ["tests/unit"]
markdown = ["README.md"]
markdown-generated = []
test-env = { PYTHONHASHSEED = "0" }
pycache = ".cache/pycache"
"""


def project_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str) -> Path:
    """A checkout with the project settings and one module, importable from the tree (the
    import graph puts the tree on ``sys.path``; ``monkeypatch`` takes it off again)."""
    tree = tmp_path / "tree"
    (tree / "ml_playground").mkdir(parents=True)
    (tree / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tree / "ml_playground" / "gate_module.py").write_text(module, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tree))
    return tree


def broken_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return project_tree(tmp_path, monkeypatch, "def (:\n")


def arguments(*pythons: str, **flags: bool) -> argparse.Namespace:
    """The arguments of ``main`` as its parser makes them, with ``flags`` set."""
    names = ("dry_run", "all", "whole_tests", "whole_pyright")
    return argparse.Namespace(
        python=list(pythons), pytest_args=[], **{name: flags.get(name, False) for name in names}
    )


def tool(directory: Path, name: str, code: int = 0) -> None:
    """An executable ``directory/name`` that logs its arguments to ``directory/calls`` and
    exits with ``code``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(
        f'#!/bin/sh\necho "{name} $*" >> "{directory / "calls"}"\nexit {code}\n', encoding="utf-8"
    )
    path.chmod(0o755)


PYTHON_CHANGE = [Change("ml_playground/gate_module.py", exists=True)]
README_CHANGE = [Change("README.md", exists=True)]


def test_the_graph_is_built_only_for_a_python_change_without_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = broken_tree(tmp_path, monkeypatch)
    dry = arguments("3.11=/bin/false", dry_run=True)
    assert judge(tmp_path, tree, PYTHON_CHANGE, dry) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("gate: the import graph could not be built (Syntax error in ")
    assert out[1:] == [
        "gate: 1 changed files; ruff: 1 files; pyright: everything; markdown: skipped",
        "gate: tests on Python 3.11: the whole fast suite: no recorded test dependencies yet "
        f"({data_file(tmp_path, tree, '3.11').name})",
    ]
    assert judge(tmp_path, tree, README_CHANGE, dry) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "gate: 1 changed files; ruff: skipped; pyright: skipped; markdown: 1 files"
    )
    assert judge(tmp_path, tree, PYTHON_CHANGE, arguments("3.11", dry_run=True, all=True)) == 0
    assert capsys.readouterr().out.splitlines() == [
        "gate: 1 changed files; ruff: everything; pyright: everything; markdown: everything",
        "gate: tests on Python 3.11: the whole fast suite: --all",
    ]


def test_whole_tests_and_whole_pyright_widen_only_what_the_plan_narrowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = project_tree(tmp_path, monkeypatch, "X = 1\n")
    data = data_file(tmp_path, tree, "3.11")
    data.parent.mkdir(parents=True)
    data.write_bytes(b"")
    plans = {
        "": (
            "gate: 1 changed files; ruff: 1 files; pyright: 1 files; markdown: skipped",
            "gate: tests on Python 3.11: those testmon selects from the recorded dependencies",
        ),
        "whole_tests": (
            "gate: 1 changed files; ruff: 1 files; pyright: 1 files; markdown: skipped",
            "gate: tests on Python 3.11: the whole fast suite: --whole-tests",
        ),
        "whole_pyright": (
            "gate: 1 changed files; ruff: 1 files; pyright: everything; markdown: skipped",
            "gate: tests on Python 3.11: those testmon selects from the recorded dependencies",
        ),
    }
    for flag, expected in plans.items():
        args = arguments("3.11", dry_run=True, **({flag: True} if flag else {}))
        assert judge(tmp_path, tree, PYTHON_CHANGE, args) == 0
        assert tuple(capsys.readouterr().out.splitlines()) == expected, flag
    data.unlink()
    args = arguments("3.11", dry_run=True, whole_tests=True)
    assert judge(tmp_path, tree, README_CHANGE, args) == 0
    assert "the whole fast suite: no recorded test dependencies yet" in capsys.readouterr().out


def test_the_plan_is_written_out_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = broken_tree(tmp_path, monkeypatch)
    written = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(written, encoding="utf-8"))
    assert judge(tmp_path, tree, README_CHANGE, arguments("3.11", dry_run=True)) == 0
    assert written.getvalue().decode().startswith("gate: 1 changed files; ruff: skipped;")


def test_a_failed_environment_sync_fails_the_gate_before_any_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = broken_tree(tmp_path, monkeypatch)
    tool(tmp_path / "bin", "uv", code=1)
    tool(tmp_path / "bin", "pymarkdown")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert judge(tmp_path, tree, README_CHANGE, arguments("3.11")) == 1
    assert "gate: FAILED uv sync 3.11 (" in capsys.readouterr().out
    assert (tmp_path / "bin" / "calls").read_text(encoding="utf-8").startswith("uv sync ")
    assert "pymarkdown" not in (tmp_path / "bin" / "calls").read_text(encoding="utf-8")


def test_every_python_tests_and_the_first_one_s_tools_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = broken_tree(tmp_path, monkeypatch)
    first, second = tmp_path / "first", tmp_path / "second"
    for directory in (first, second):
        tool(directory, "python")
    tool(first, "pymarkdown")
    args = arguments(f"3.11={first / 'python'}", f"3.12={second / 'python'}")
    assert judge(tmp_path, tree, README_CHANGE, args) == 0
    out = capsys.readouterr().out
    assert "gate: ok     markdown (" in out
    assert (tmp_path / ".cache" / "gate").is_dir()
    calls = (first / "calls").read_text(encoding="utf-8").splitlines()
    assert sorted(call.split()[0] for call in calls) == ["pymarkdown", "python"]
    assert (second / "calls").read_text(encoding="utf-8").startswith("python -m pytest ")
    tool(first, "pymarkdown", code=1)
    assert judge(tmp_path, tree, README_CHANGE, args) == 1
