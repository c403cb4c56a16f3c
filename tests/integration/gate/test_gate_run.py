"""The incremental gate end to end on a small real project: first recording, selection by
recorded dependencies (data files included), the fallbacks and their one-line reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.gate.conftest import git
from tools.gate.run import data_file

pytestmark = pytest.mark.integration

PYPROJECT = """\
[project]
name = "gate-scratch"
version = "0"

[tool.pytest.ini_options]
pythonpath = ["."]
addopts = ["--import-mode=importlib"]
markers = ["unit: unit tests"]

[tool.importlinter]
root_packages = ["ml_playground"]

[[tool.importlinter.contracts]]
name = "the library does not import the other module"
type = "forbidden"
source_modules = ["ml_playground.gate_scratch_lib"]
forbidden_modules = ["ml_playground.gate_scratch_other"]
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    "uv.lock": "version = 1\n",
    ".gitignore": ".cache/\n__pycache__/\n",
    "ml_playground/gate_scratch_lib.py": "def double(x: int) -> int:\n    return 2 * x\n",
    "ml_playground/gate_scratch_other.py": "def half(x: int) -> int:\n    return x // 2\n",
    "ml_playground/gate_scratch_data.txt": "expected\n",
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
        "    text = Path('ml_playground/gate_scratch_data.txt').read_text()\n"
        "    assert text == 'expected\\n'\n"
    ),
    "tests/property/test_gate_scratch_nothing.py": "",
}


def make_scratch(root: Path) -> Path:
    """The small project as a git repository with one commit."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scratch(tmp_path_factory.mktemp("gate") / "project")


def gate(root: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_DEPS", "TESTMON"))}
    completed = subprocess.run(
        [sys.executable, "-m", "tools.gate.run", "--root", str(root), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def edited(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_gate_records_then_selects_then_falls_back(scratch: Path) -> None:
    code, out = gate(scratch)
    assert code == 0, out
    assert "gate: tests: the whole unit + property suite: no recorded test dependencies yet" in out
    assert "3 passed" in out

    code, out = gate(scratch)
    assert code == 0, out
    assert "gate: 0 changed files; ruff: skipped; pyright: skipped; markdown: skipped" in out
    assert "passed" not in out.split("gate: $ ")[-1]

    edited(scratch, "ml_playground/gate_scratch_data.txt", "changed\n")
    code, out = gate(scratch)
    assert code == 1, out
    assert "1 failed" in out
    assert "passed" not in out.split("gate: $ ")[-1]
    assert "test_data" in out
    git(scratch, "checkout", "--", ".")

    edited(scratch, "uv.lock", "version = 2\n")
    code, out = gate(scratch)
    assert code == 0, out
    assert "gate: tests: the whole unit + property suite: uv.lock changed\n" in out
    assert "3 passed" in out
    git(scratch, "checkout", "--", ".")

    edited(
        scratch, "ml_playground/gate_scratch_lib.py", "def double(x: int) -> int:\n    return x\n"
    )
    code, out = gate(scratch)
    assert code == 1, out
    assert "1 failed" in out
    assert "passed" not in out.split("gate: $ ")[-1]
    assert "test_double" in out
    assert "FAILED pytest" in out
    git(scratch, "checkout", "--", ".")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pyproject.toml", "pyproject.toml changed"),
        ("noxfile.py", "noxfile.py changed"),
        ("tests/unit/conftest.py", "tests/unit/conftest.py changed (fixtures and hooks reach"),
        ("tests/fixtures/data.json", "tests/fixtures/data.json changed (test data)"),
    ],
)
def test_every_fallback_reason_is_one_line(tmp_path: Path, name: str, reason: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    edited(root, "README.md", "r\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    data = data_file(root)
    data.parent.mkdir(parents=True)
    data.write_bytes(b"")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    edited(root, name, "{}\n")
    code, out = gate(root, "--dry-run")
    assert code == 0, out
    assert f"gate: tests: the whole unit + property suite: {reason}" in out
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "change")
    data.unlink()
    code, out = gate(root, "--dry-run")
    assert out.splitlines()[-1] == (
        f"gate: tests: the whole unit + property suite: no recorded test dependencies yet "
        f"({data.name})"
    )


def test_outside_a_repository_the_gate_cannot_run(tmp_path: Path) -> None:
    code, out = gate(tmp_path)
    assert code == 2
    assert out.startswith("error: gate: git status failed in")
