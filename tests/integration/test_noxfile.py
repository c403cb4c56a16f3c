"""The noxfile as its users see it: ``nox -l --json``, the README's tables, a stale lockfile, and
the build session run end to end on a small real project."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]
BEHAVIOUR_SESSIONS = {"quality", "tests", "integration", "e2e", "regression", "coverage"}
SINGLE_PYTHON_SESSIONS = {"changed", "lint", "fix", "typecheck", "badge", "mutation", "build"}
LOCAL_SESSIONS = {"fix", "changed"}
"""Sessions CI does not run: fix edits files, changed only scopes quality to a local change."""
ALL_SESSIONS = BEHAVIOUR_SESSIONS | SINGLE_PYTHON_SESSIONS
OLD_MAKEFILE_TARGETS = [
    "help",
    "setup",
    "sync",
    "verify",
    "test",
    "unit",
    "unit-cov",
    "integration",
    "e2e",
    "acceptance",
    "quality",
    "quality-ext",
    "mutation",
    "lint",
    "format",
    "deadcode",
    "pyright",
    "mypy",
    "typecheck",
    "clean",
    "prepare",
    "train",
    "sample",
    "loop",
    "coverage",
    "coverage-test",
    "coverage-report",
    "coverage-badge",
    "tensorboard",
    "ai-guidelines",
    "gguf-help",
    "venv312-lit-*",
]


def uv_env() -> dict[str, str]:
    """This environment without the virtual environment the tests run in."""
    hidden = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "CONDA_PREFIX"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    return {**env, "UV_PYTHON_DOWNLOADS": "never"}


def nox(
    *args: str, cwd: Path = REPO_ROOT, ci: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = uv_env()
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "nox", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def listing(*args: str) -> list[dict[str, object]]:
    completed = nox("--list", "--json", *args)
    assert completed.returncode == 0, completed.stderr
    loaded: list[dict[str, object]] = json.loads(completed.stdout)
    return loaded


@pytest.fixture(scope="module")
def every_session() -> list[dict[str, object]]:
    return listing("--sessions", *sorted(ALL_SESSIONS))


# --- nox -l --json ---------------------------------------------------------------------------


def test_the_sessions_are_exactly_the_documented_interface(
    every_session: list[dict[str, object]],
) -> None:
    assert {entry["name"] for entry in every_session} == ALL_SESSIONS


def test_behaviour_sessions_run_on_every_supported_python(
    every_session: list[dict[str, object]],
) -> None:
    for name in BEHAVIOUR_SESSIONS:
        entries = [e for e in every_session if e["name"] == name]
        assert [e["python"] for e in entries] == SUPPORTED_PYTHONS, name
        assert [e["session"] for e in entries] == [f"{name}-{v}" for v in SUPPORTED_PYTHONS]


def test_other_sessions_run_on_one_python(every_session: list[dict[str, object]]) -> None:
    for entry in every_session:
        if entry["name"] in SINGLE_PYTHON_SESSIONS:
            assert entry["python"] == SUPPORTED_PYTHONS[0], entry["name"]
            assert entry["session"] == entry["name"]


def test_every_session_but_the_local_ones_is_tagged_ci(
    every_session: list[dict[str, object]],
) -> None:
    for entry in every_session:
        expected = [] if entry["name"] in LOCAL_SESSIONS else ["ci"]
        assert entry["tags"] == expected, entry["name"]


def test_the_ci_matrix_is_every_session_but_the_local_ones() -> None:
    names = {str(entry["name"]) for entry in listing("--tags", "ci")}
    assert names == ALL_SESSIONS - LOCAL_SESSIONS


def test_the_default_session_is_quality_on_every_python() -> None:
    assert [entry["session"] for entry in listing()] == [f"quality-{v}" for v in SUPPORTED_PYTHONS]


def test_an_unknown_session_is_nox_s_own_error() -> None:
    completed = nox("--sessions", "no-such-session")
    assert completed.returncode != 0
    assert "Sessions not found: no-such-session" in completed.stdout + completed.stderr


@pytest.mark.parametrize(("ci", "fails"), [(None, False), ("1", False), ("true", True)])
def test_a_missing_interpreter_is_skipped_unless_ci_is_true(ci: str | None, fails: bool) -> None:
    completed = nox("--sessions", "lint", "--force-python", "3.99", ci=ci)
    output = completed.stdout + completed.stderr
    assert "Python interpreter 3.99 not found" in output
    assert (completed.returncode != 0) is fails
    assert ("skipped" in output) is not fails


# --- the README ------------------------------------------------------------------------------


def readme_section(heading: str) -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match is not None, f"README.md has no '## {heading}' section"
    return match.group(1)


def table_rows(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    return cells[2:]  # drop the header and the separator


def sessions_named_in(text: str) -> set[str]:
    """Session names after ``nox -s`` (several may follow one ``-s``)."""
    names: set[str] = set()
    for match in re.finditer(r"nox -s ((?:[a-z][\w-]*)(?: [a-z][\w-]*)*)", text):
        names.update(match.group(1).split())
    return names


def test_the_makefile_table_maps_every_old_target() -> None:
    targets = [row[0].strip("`") for row in table_rows(readme_section("Makefile replacement"))]
    assert sorted(targets) == sorted(OLD_MAKEFILE_TARGETS)
    for row in table_rows(readme_section("Makefile replacement")):
        assert row[1], f"{row[0]} has no replacement or reason"


def test_every_session_in_the_makefile_table_exists() -> None:
    rows = table_rows(readme_section("Makefile replacement"))
    named = set().union(*(sessions_named_in(row[1]) for row in rows))
    assert named, "the table names no nox session"
    listed = {str(entry["name"]) for entry in listing("--sessions", *sorted(named))}
    assert named <= listed


def test_the_gates_table_documents_every_session() -> None:
    rows = table_rows(readme_section("Development gates (nox)"))
    assert {row[0].strip("`") for row in rows} == ALL_SESSIONS


def test_ci_runs_the_readme_gate_command() -> None:
    quick_start = readme_section("Quick start")
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (gate,) = re.findall(r"^(uvx nox -s \w+)", quick_start, re.M)
    assert re.search(rf"^exec {re.escape(gate)}$", script, re.M)


# --- a stale or missing lockfile stops a session before it installs anything -----------------


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """This noxfile over a dependency-free project."""
    shutil.copy(REPO_ROOT / "noxfile.py", tmp_path / "noxfile.py")
    write_pyproject(tmp_path, "1.0.0")
    return tmp_path


def write_pyproject(root: Path, version: str) -> None:
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "tiny"\nversion = "{version}"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n\n[dependency-groups]\nlint = []\n",
        encoding="utf-8",
    )


def test_a_missing_lockfile_stops_the_session_with_one_clear_line(tiny_project: Path) -> None:
    completed = nox("--sessions", "lint", cwd=tiny_project)
    output = " ".join((completed.stdout + completed.stderr).split())  # uv wraps to the terminal
    assert completed.returncode != 0
    assert "error: Unable to find lockfile at `uv.lock`" in output
    assert "To create a lockfile, run `uv lock`" in output
    assert "uv sync --locked" not in output
    assert not (tiny_project / "uv.lock").exists()


def test_a_stale_lockfile_stops_the_session_with_one_clear_line(tiny_project: Path) -> None:
    env = {**uv_env(), "UV_OFFLINE": "1"}
    subprocess.run(["uv", "lock", "--quiet"], cwd=tiny_project, env=env, check=True)
    write_pyproject(tiny_project, "2.0.0")
    completed = nox("--sessions", "lint", cwd=tiny_project)
    output = " ".join((completed.stdout + completed.stderr).split())  # uv wraps to the terminal
    assert completed.returncode != 0
    assert "error: The lockfile at `uv.lock` needs to be updated" in output
    assert "To update the lockfile, run `uv lock`" in output
    assert "uv sync --locked" not in output


# --- the build session, end to end on a small project -----------------------------------------


def small_package(root: Path, *, wheel: str, cli: str) -> Path:
    """A project shaped like this one (namespace packages, an experiment TOML, a CLI, tests/ and
    tools/ beside the package) with this noxfile; ``wheel`` and ``cli`` break it on purpose."""
    files = {
        "pyproject.toml": (
            '[project]\nname = "ml-playground"\nversion = "9.8.7"\nrequires-python = ">=3.11"\n'
            'dependencies = []\n\n[project.scripts]\nml-playground = "ml_playground.cli:main"\n\n'
            '[dependency-groups]\nchecks = ["check-wheel-contents"]\n\n'
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            f"[tool.hatch.build.targets.wheel]\n{wheel}\n"
        ),
        "ml_playground/cli.py": f"def main() -> None:\n    {cli}\n",
        "ml_playground/core/errors.py": "",
        "ml_playground/experiments/demo/config.toml": "[train]\n",
        "tests/test_nothing.py": "",
        "tools/helper.py": "",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copy(REPO_ROOT / "noxfile.py", root / "noxfile.py")
    env = {**uv_env(), "UV_OFFLINE": "1"}
    subprocess.run(["uv", "lock", "--quiet"], cwd=root, env=env, check=True)
    return root


COMPLETE = 'packages = ["ml_playground"]'
PRINT_VERSION = "print('ml-playground 9.8.7')"


def test_the_build_session_passes_a_complete_wheel(tmp_path: Path) -> None:
    project = small_package(tmp_path, wheel=COMPLETE, cli=PRINT_VERSION)
    completed = nox("--sessions", "build", cwd=project)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "ml_playground-9.8.7-py3-none-any.whl: OK" in output
    assert "-I -c 'import ml_playground.cli, ml_playground.core.errors'" in output


def test_the_build_session_names_missing_and_foreign_files(tmp_path: Path) -> None:
    wheel = 'packages = ["ml_playground", "tools"]\nexclude = ["ml_playground/experiments"]'
    project = small_package(tmp_path, wheel=wheel, cli=PRINT_VERSION)
    completed = nox("--sessions", "build", cwd=project)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "W101: Wheel library is missing files in package tree:" in output
    assert "ml_playground/experiments/demo/config.toml" in output
    assert "W202: Wheel library has undeclared toplevel entry:" in output


@pytest.mark.parametrize(
    ("cli", "cause"),
    [
        ("print('ml-playground 1.0')", "`ml-playground --version` printed 'ml-playground 1.0\\n',"),
        ("pass\nimport no_such_dependency", "ModuleNotFoundError: No module named 'no_such_"),
    ],
)
def test_the_build_session_fails_when_the_installed_wheel_misbehaves(
    tmp_path: Path, cli: str, cause: str
) -> None:
    project = small_package(tmp_path, wheel=COMPLETE, cli=cli)
    completed = nox("--sessions", "build", cwd=project)
    assert completed.returncode != 0
    assert cause in completed.stdout + completed.stderr
