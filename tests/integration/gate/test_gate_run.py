"""The commit gate end to end on a small real project: it judges the staged tree (never the
work tree), selects tests from recorded dependencies, falls back with a one-line reason, and
runs the static checks of ``quality`` that the change can affect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = """\
[project]
name = "gate-scratch"
version = "0"
requires-python = ">=3.11"
dependencies = []

[tool.ml_playground]
pythons = ["3.11", "3.12", "3.13"]
fast-tests = ["tests/unit", "tests/property"]
markdown = ["README.md"]
markdown-generated = []
test-env = { PYTHONHASHSEED = "0", PYTHONDONTWRITEBYTECODE = "" }
pycache = ".cache/pycache"

[tool.pytest.ini_options]
pythonpath = ["."]
addopts = ["--import-mode=importlib"]
filterwarnings = ["error"]
markers = ["unit: unit tests"]

[tool.vulture]
paths = ["ml_playground", "tests"]
ignore_names = ["test_*", "pytestmark"]

[tool.importlinter]
root_packages = ["ml_playground"]

[[tool.importlinter.contracts]]
name = "the library does not import the other module"
type = "forbidden"
source_modules = ["ml_playground.gate_scratch_lib"]
forbidden_modules = ["ml_playground.gate_scratch_other"]
"""
LIB = "ml_playground/gate_scratch_lib.py"
DOUBLE = "def double(x: int) -> int:\n    return 2 * x\n"
FILES = {
    "pyproject.toml": PYPROJECT,
    ".gitignore": ".cache/\n__pycache__/\n",
    ".pymarkdown.json": "{}\n",
    "README.md": "# Scratch\n",
    LIB: DOUBLE,
    "ml_playground/gate_scratch_other.py": "def half(x: int) -> int:\n    return x // 2\n",
    "ml_playground/gate_scratch_data.txt": "expected\n",
    "tools/gate_scratch_tool.py": "",
    "tests/unit/test_gate_scratch_lib.py": (
        "import pytest\n\nfrom ml_playground.gate_scratch_lib import double\n\n"
        "pytestmark = pytest.mark.unit\n\n\n"
        "def test_double() -> None:\n    assert double(2) == 4\n"
    ),
    "tests/unit/test_gate_scratch_other.py": (
        "from pathlib import Path\n\nimport pytest\n\n"
        "from ml_playground.gate_scratch_other import half\n\n"
        "pytestmark = pytest.mark.unit\n\n\n"
        "def test_half() -> None:\n    assert half(4) == 2\n\n\n"
        "def test_data() -> None:\n"
        '    text = Path("ml_playground/gate_scratch_data.txt").read_text()\n'
        '    assert text == "expected\\n"\n'
    ),
    "tests/property/test_gate_scratch_nothing.py": "",
}
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}={sys.executable}"
"""The gate's tests run on this interpreter's environment as it is: no environment is synced."""


def uv_lock(root: Path) -> None:
    """A real lock of the dependency-free project, made offline (no index, no cache)."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(UV_OFFLINE="1", UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(root / ".cache/uv"))
    subprocess.run(["uv", "lock", "--quiet"], cwd=root, env=env, check=True)


def make_scratch(root: Path) -> Path:
    """The small project as a git repository with one commit."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    uv_lock(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return make_scratch(tmp_path / "project")


def python_module(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """``python -m ARGS`` in ``cwd``: its exit code and its output, both streams."""
    completed = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return completed.returncode, completed.stdout + completed.stderr


def gate(root: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_DEPS", "TESTMON"))}
    return python_module(REPO_ROOT, env, "tools.gate.run", "--root", str(root), *args)


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def stage(root: Path, name: str, text: str) -> None:
    write(root, name, text)
    git(root, "add", name)


def test_the_gate_records_then_selects_then_falls_back(scratch: Path) -> None:
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 0, out
    assert "the whole fast suite: no recorded test dependencies yet" in out
    assert "3 passed" in out

    stage(scratch, "ml_playground/gate_scratch_data.txt", "changed\n")
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 1, out
    assert "gate: 1 changed files; ruff: skipped; pyright: skipped; markdown: skipped" in out
    assert "1 failed" in out
    assert "passed" not in out.split("gate: $ ")[1]  # only the test that reads the file ran
    git(scratch, "reset", "-q")
    git(scratch, "checkout", "--", ".")

    stage(scratch, "tests/unit/conftest.py", "")
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 0, out
    assert "the whole fast suite: tests/unit/conftest.py changed (fixtures and hooks" in out
    assert "3 passed" in out


def test_a_staged_fault_fails_though_the_work_tree_is_good(scratch: Path) -> None:
    stage(scratch, LIB, DOUBLE.replace("2 * x", "x"))
    write(scratch, LIB, DOUBLE)
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 1, out
    assert "1 failed" in out
    assert "FAILED pytest 3." in out
    assert git(scratch, "diff", "--cached", "--name-only") == f"{LIB}\n"  # the index as it was


def test_a_staged_import_of_an_untracked_module_fails(scratch: Path) -> None:
    write(
        scratch,
        "ml_playground/gate_scratch_new.py",
        "def triple(x: int) -> int:\n    return 3 * x\n",
    )
    stage(scratch, LIB, f"from ml_playground.gate_scratch_new import triple\n\n{DOUBLE}")
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 1, out
    assert "No module named 'ml_playground.gate_scratch_new'" in out
    assert (scratch / "ml_playground/gate_scratch_new.py").is_file()  # untracked file kept


def test_an_unstaged_fault_is_not_the_commit_s_and_passes(scratch: Path) -> None:
    gate(scratch, "--python", THIS_PYTHON)  # record
    write(scratch, LIB, DOUBLE.replace("2 * x", "x"))
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 0, out
    assert "gate: 0 changed files" in out


def test_unused_code_fails_in_vulture(scratch: Path) -> None:
    stage(scratch, LIB, f"{DOUBLE}\n\ndef never_called() -> int:\n    return 1\n")
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 1, out
    assert "unused function 'never_called'" in out
    assert "FAILED vulture" in out


def test_a_template_injection_in_a_workflow_fails_in_zizmor(scratch: Path) -> None:
    workflow = (
        "name: w\non: pull_request\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    stage(scratch, ".github/workflows/w.yml", workflow)
    code, out = gate(scratch, "--python", THIS_PYTHON)
    assert code == 1, out
    assert "template-injection" in out
    assert "FAILED zizmor" in out


def test_a_stale_lock_fails_the_lock_check(scratch: Path) -> None:
    stage(scratch, "pyproject.toml", PYPROJECT.replace('version = "0"', 'version = "1"'))
    env = {**os.environ, "UV_OFFLINE": "1", "UV_CACHE_DIR": str(scratch / ".cache/uv")}
    command = [sys.executable, "-m", "tools.gate.run", "--root", str(scratch)]
    lock = subprocess.run(
        [*command, "--python", THIS_PYTHON],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lock.returncode == 1
    assert "The lockfile at `uv.lock` needs to be updated" in " ".join(lock.stdout.split())
    assert "FAILED lock" in lock.stdout


def test_every_supported_python_is_tested_by_default(scratch: Path) -> None:
    code, out = gate(scratch, "--dry-run")
    assert code == 0, out
    assert "gate: tests on Python 3.11, 3.12, 3.13:" in out


def test_outside_a_repository_the_gate_cannot_run(tmp_path: Path) -> None:
    code, out = gate(tmp_path)
    assert code == 2
    assert out.startswith(f"error: gate: git ls-files in {tmp_path}: fatal: not a git repository")


def lint(root: Path) -> tuple[int, str]:
    """``python -m tools.gate.checks`` (``nox -s lint``) in ``root``, offline."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "UV_OFFLINE": "1"}
    env["UV_CACHE_DIR"] = str(root / ".cache/uv")
    return python_module(root, env, "tools.gate.checks")


def test_lint_runs_every_check_of_the_work_tree_and_names_each_result(scratch: Path) -> None:
    write(scratch, "tools/gate_scratch_tool.py", "import os\n")  # unused import, not staged
    code, out = lint(scratch)
    assert code == 1, out
    assert "checks: FAILED ruff check" in out
    passed = ["lock", "ruff format", "import-linter", "markdown", "pyright"]
    for name in passed:
        assert f"checks: ok     {name} (" in out
    write(scratch, "tools/gate_scratch_tool.py", "")
    assert lint(scratch)[0] == 0


def test_lint_without_the_project_settings_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    code, out = lint(tmp_path)
    assert (code, out) == (
        2,
        f"error: checks: '{tmp_path / 'pyproject.toml'} has no [tool.ml_playground] table'\n",
    )
