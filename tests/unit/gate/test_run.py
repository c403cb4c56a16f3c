"""The gate's edges: what a commit changes, where the data lives, the commands it runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.checks import Settings, Step, check_steps, markdown_targets, read_settings
from tools.gate.plan import EVERYTHING, Change, Lists, Plan
from tools.gate.run import (
    changes_between,
    data_file,
    data_problem,
    interpreters,
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
