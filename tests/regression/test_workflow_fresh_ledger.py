"""The workflow's own tests pass for a team with a ledger of its own (issue 11, "Also seen")."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.regression

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COPIED = (
    "pyproject.toml",
    "tools",
    "tests/conftest.py",
    "tests/fixtures/workflow",
    "tests/unit/workflow/test_ledger_lint.py",
    ".dev-guidelines/GIT_VERSIONING.md",
    "ml_playground/core/atomic_files.py",
)
FRESH_LEDGER = "# tv-tasks\n\n## Open tasks\n"


def test_the_ledger_tests_pass_with_a_fresh_ledger(tmp_path: Path) -> None:
    """What broke: test_project_ledger_has_no_errors asserted this repository's ledger content
    (at least 6 entries, one of them Done), so a team starting a fresh ledger failed the gate
    and could not commit at all."""
    for relative in COPIED:
        source, target = PROJECT_ROOT / relative, tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, target)
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_text(FRESH_LEDGER, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit/workflow"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:]
