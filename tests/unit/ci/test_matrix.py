"""The CI matrix: nox's session list on stdin becomes one entry per session and OS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.ci.matrix import DEDICATED_JOBS, OPERATING_SYSTEMS

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

NOX_OUTPUT = json.dumps(
    [
        {"session": "tests-3.12", "name": "tests", "python": "3.12", "tags": ["ci", "every-os"]},
        {"session": "lint", "name": "lint", "python": "3.11", "tags": ["ci"]},
        {"session": "badge", "name": "badge", "python": "3.11", "tags": ["ci"]},
        {"session": "mutation", "name": "mutation", "python": "3.11", "tags": ["ci"]},
    ]
)


def matrix(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.ci.matrix"],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_tests_run_on_every_os_the_rest_once_and_dedicated_jobs_apart() -> None:
    completed = matrix(NOX_OUTPUT)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (
        '{"include":[{"session":"tests-3.12","python":"3.12","os":"ubuntu-latest"},'
        '{"session":"tests-3.12","python":"3.12","os":"macos-latest"},'
        '{"session":"lint","python":"3.11","os":"ubuntu-latest"}]}\n'
    )
    assert OPERATING_SYSTEMS == ("ubuntu-latest", "macos-latest")
    assert set(DEDICATED_JOBS) == {"badge", "mutation"}


@pytest.mark.parametrize(
    ("stdin", "cause"),
    [
        ("nox > Failed to load Noxfile", "JSONDecodeError"),
        ('{"session": "lint"}', "TypeError"),
        ('[{"session": "lint", "python": "3.11"}]', "KeyError('name')"),
        ('[{"session": "lint", "name": "lint", "python": "3.11"}]', "KeyError('tags')"),
    ],
)
def test_anything_but_a_session_list_is_one_error_line(stdin: str, cause: str) -> None:
    completed = matrix(stdin)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.startswith("matrix: stdin is not `nox -l --json` output (")
    assert cause in completed.stderr
    assert completed.stderr.count("\n") == 1
