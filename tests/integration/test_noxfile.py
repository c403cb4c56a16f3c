"""The noxfile as its users see it: ``nox -l --json`` against the README's table column by column,
the CI matrix, a stale lockfile, and the wheel check on a wheel built by the test."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import cast

import pytest

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
NONE = "\N{EN DASH}"
"""What the README's table shows for no Python or no tag."""
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
    for match in re.finditer(r"nox -s ((?:[a-z][\w.-]*)(?: [a-z][\w.-]*)*)", text):
        names.update(match.group(1).split())
    return names


def every_session() -> set[str]:
    """Every session of the noxfile, from ``nox -l`` (its JSON lists only the selected ones)."""
    completed = nox("--list")
    assert completed.returncode == 0, completed.stderr
    return {match.group(1) for match in re.finditer(r"^[*-] ([\w.-]+)", completed.stdout, re.M)}


# --- nox -l --json, the README table and the CI matrix ---------------------------------------


def test_the_readme_table_is_the_noxfile_listing_column_by_column() -> None:
    rows = table_rows(readme_section("Development gates (nox)"))
    names = [row[0].strip("`") for row in rows]
    expected: dict[str, list[str]] = {}
    for entry in listing("--sessions", *names):
        name, tags = str(entry["name"]), cast("list[str]", entry["tags"])
        row = expected.setdefault(
            name, [f"`{name}`", "", ", ".join(tags) or NONE, str(entry["description"])]
        )
        python = NONE if entry["python"] is None else str(entry["python"])
        row[1] = python if not row[1] else f"{row[1]}, {python}"
    assert rows == [expected[name] for name in names]
    assert {session.split("-")[0] for session in every_session()} == set(names)


def test_the_pythons_are_pyproject_s_list_and_the_oldest_is_requires_python() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pythons = pyproject["tool"]["ml_playground"]["pythons"]
    assert pyproject["project"]["requires-python"] == f">={pythons[0]}"
    assert [entry["python"] for entry in listing("--sessions", "tests")] == pythons


def test_the_default_runs_lint_and_every_python_s_tests_through_quality() -> None:
    assert [entry["session"] for entry in listing()] == [
        "quality",
        "lint",
        "tests-3.11",
        "tests-3.12",
        "tests-3.13",
    ]


def test_ci_runs_the_tests_on_every_os_and_the_rest_once() -> None:
    completed = nox("--list", "--json", "--tags", "ci")
    assert completed.returncode == 0, completed.stderr
    matrix = subprocess.run(
        [sys.executable, "-m", "tools.ci.matrix"],
        cwd=REPO_ROOT,
        input=completed.stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    jobs = json.loads(matrix.stdout)["include"]
    assert len(jobs) <= 14
    pairs = [(job["session"], job["os"]) for job in jobs]
    assert len(set(pairs)) == len(pairs)
    every_os = [job for job in jobs if job["session"].startswith("tests-")]
    assert len(every_os) == 6  # 3 Pythons on 2 systems, each
    assert {job["os"] for job in jobs if job not in every_os} == {"ubuntu-latest"}


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


def test_the_makefile_table_maps_every_old_target() -> None:
    targets = [row[0].strip("`") for row in table_rows(readme_section("Makefile replacement"))]
    assert sorted(targets) == sorted(OLD_MAKEFILE_TARGETS)
    for row in table_rows(readme_section("Makefile replacement")):
        assert row[1], f"{row[0]} has no replacement or reason"


def test_every_session_in_the_makefile_table_exists() -> None:
    rows = table_rows(readme_section("Makefile replacement"))
    named = set().union(*(sessions_named_in(row[1]) for row in rows))
    assert named, "the table names no nox session"
    assert named <= {session.split("-")[0] for session in every_session()}


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
        "dependencies = []\n\n[dependency-groups]\nlint = []\n\n"
        '[tool.ml_playground]\npythons = ["3.11"]\ntest-env = {}\npycache = ".cache/pycache"\n',
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


# --- the wheel check, on wheels the test builds itself (no index, no cache) ---------------------


def wheel(dist: Path, files: dict[str, str], version: str = "9.8.7", metadata: str = "") -> None:
    """A wheel of ``ml-playground`` holding ``files``, with a console script and its RECORD;
    ``metadata``: more lines of its METADATA."""
    info = f"ml_playground-{version}.dist-info"
    contents = {
        **files,
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: ml-playground\nVersion: {version}\n{metadata}"
        ),
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": "[console_scripts]\nml-playground = ml_playground.cli:main\n",
    }
    record = []
    for name, text in contents.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{name},sha256={encoded},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    dist.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dist / f"ml_playground-{version}-py3-none-any.whl", "w") as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")


SOURCE = {
    "ml_playground/cli.py": "def main() -> None:\n    print('ml-playground 9.8.7')\n",
    "ml_playground/core/errors.py": "",
    "ml_playground/experiments/demo/config.toml": "[train]\n",
}


def project(root: Path, source: dict[str, str] = SOURCE) -> Path:
    """The source tree the wheel is checked against, with a lock made offline."""
    files = {
        "pyproject.toml": '[project]\nname = "ml-playground"\nversion = "9.8.7"\n'
        'requires-python = ">=3.11"\ndependencies = []\n',
        **source,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    subprocess.run(["uv", "lock", "--quiet"], cwd=root, env=offline(root), check=True)
    return root


def offline(root: Path) -> dict[str, str]:
    return {**uv_env(), "UV_OFFLINE": "1", "UV_CACHE_DIR": str(root / ".uv-cache")}


def check_wheel(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.checks.wheel", "dist"],
        cwd=root,
        env={**offline(root), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_complete_wheel_passes(tmp_path: Path) -> None:
    root = project(tmp_path)
    wheel(root / "dist", SOURCE)
    completed = check_wheel(root)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "ml_playground-9.8.7-py3-none-any.whl: OK" in output
    assert "-I -c 'import ml_playground.cli, ml_playground.core.errors'" in output


def test_missing_and_foreign_files_are_named(tmp_path: Path) -> None:
    root = project(tmp_path)
    shipped = {k: v for k, v in SOURCE.items() if not k.endswith(".toml")}
    wheel(root / "dist", {**shipped, "tools/helper.py": ""})
    completed = check_wheel(root)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1
    assert "W101: Wheel library is missing files in package tree:" in output
    assert "ml_playground/experiments/demo/config.toml" in output
    assert "W202: Wheel library has undeclared toplevel entry:" in output


@pytest.mark.parametrize(
    ("cli", "cause"),
    [
        ("print('ml-playground 1.0')", "`ml-playground --version` printed 'ml-playground 1.0\\n',"),
        ("pass\nimport no_such_dependency", "ModuleNotFoundError: No module named 'no_such_"),
        (
            "raise SystemExit('no version today')",
            "wheel: ml-playground --version failed: no version today\n",
        ),
    ],
)
def test_an_installed_wheel_that_misbehaves_fails(tmp_path: Path, cli: str, cause: str) -> None:
    source = {**SOURCE, "ml_playground/cli.py": f"def main() -> None:\n    {cli}\n"}
    root = project(tmp_path, source)
    wheel(root / "dist", source)
    completed = check_wheel(root)
    assert completed.returncode == 1
    assert cause in completed.stdout + completed.stderr


def test_no_wheel_is_a_usage_error(tmp_path: Path) -> None:
    completed = check_wheel(project(tmp_path))
    assert completed.returncode == 2
    assert "wheel: no wheel in" in completed.stderr


def lines_of(completed: subprocess.CompletedProcess[str], prefix: str) -> list[str]:
    return [line for line in completed.stdout.splitlines() if line.startswith(prefix)]


def test_a_wheel_whose_dependency_cannot_be_installed_fails(tmp_path: Path) -> None:
    """Offline, with a cache of its own: no index holds the dependency."""
    root = project(tmp_path)
    wheel(root / "dist", SOURCE, metadata="Requires-Dist: no-such-dependency-xyz\n")
    completed = check_wheel(root)
    assert completed.returncode == 1
    assert lines_of(completed, "wheel: ") == [
        "wheel: uv pip install failed: error: No solution found when resolving dependencies"
    ]
    assert "no-such-dependency-xyz" in completed.stdout


def test_a_project_without_a_lock_fails_before_installing(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "uv.lock").unlink()
    wheel(root / "dist", SOURCE)
    completed = check_wheel(root)
    assert completed.returncode == 1
    [line] = lines_of(completed, "wheel: ")  # uv wraps its message to the terminal's width
    assert line.startswith("wheel: uv export failed: error: Unable to find lockfile at `uv.lock`")


def test_a_dist_argument_is_required(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tools.checks.wheel"],
        cwd=tmp_path,
        env={**offline(tmp_path), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == "usage: python -m tools.checks.wheel DIST\n"
