"""The lockfile check every nox session runs before it installs anything."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tools.nox_support.lock_check import (
    check_lock,
    first_error_line,
    judge_lock,
    main,
)

pytestmark = pytest.mark.unit

STALE_OUTPUT = (
    "Resolved 3 packages in 4ms\n"
    "error: The lockfile at `uv.lock` needs to be updated, but `--check` was provided.\n\n"
    "hint: To update the lockfile, run `uv lock`.\n"
)


def test_a_current_lockfile_passes() -> None:
    verdict = judge_lock(lock_exists=True, returncode=0, uv_output="Resolved 3 packages in 4ms")
    assert verdict.ok
    assert verdict.message == ""


def test_a_missing_lockfile_says_to_run_uv_lock() -> None:
    verdict = judge_lock(lock_exists=False, returncode=None)
    assert not verdict.ok
    assert verdict.message == "uv.lock is missing: run `uv lock` to create it, then commit it."


def test_a_stale_lockfile_says_to_run_uv_lock() -> None:
    verdict = judge_lock(lock_exists=True, returncode=1, uv_output=STALE_OUTPUT)
    assert not verdict.ok
    assert verdict.message == (
        "uv.lock is out of date with pyproject.toml: run `uv lock`, then commit uv.lock."
    )
    assert verdict.detail == ""


def test_a_stale_lockfile_is_recognised_when_uv_wraps_its_message() -> None:
    """uv wraps at $COLUMNS: on a narrow terminal the marker spans two lines."""
    wrapped = "error: The lockfile at `uv.lock` needs to\n  be updated, but `--check` was given.\n"
    verdict = judge_lock(lock_exists=True, returncode=1, uv_output=wrapped)
    assert verdict.message.startswith("uv.lock is out of date with pyproject.toml")


def test_an_unexpected_uv_failure_keeps_uv_s_first_error_line() -> None:
    output = "Using CPython 3.11\nerror: No solution found when resolving dependencies\n  cause: x"
    verdict = judge_lock(lock_exists=True, returncode=2, uv_output=output)
    assert not verdict.ok
    assert "run `uv lock`" in verdict.message
    assert verdict.detail == "error: No solution found when resolving dependencies"


def test_uv_that_never_ran_is_reported() -> None:
    verdict = judge_lock(lock_exists=True, returncode=None)
    assert not verdict.ok
    assert verdict.message.startswith("uv was not found")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("warning: x\nerror: first\nerror: second", "error: first"),
        ("\n  some text  \nmore", "some text"),
        ("", ""),
    ],
)
def test_first_error_line(output: str, expected: str) -> None:
    assert first_error_line(output) == expected


# --- against a real uv and a real project ------------------------------------------------------


def write_project(root: Path, version: str) -> None:
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "lock-probe"\nversion = "{version}"\n'
        'requires-python = ">=3.11"\ndependencies = []\n',
        encoding="utf-8",
    )


@pytest.fixture
def uv() -> str:
    found = shutil.which("uv")
    assert found is not None, "uv must be on PATH: the nox sessions install through it"
    return found


@pytest.fixture
def locked_project(tmp_path: Path, uv: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dependency-free project with a current uv.lock (resolved offline)."""
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    write_project(tmp_path, "1.0.0")
    subprocess.run([uv, "lock", "--quiet"], cwd=tmp_path, check=True)
    return tmp_path


def test_check_lock_accepts_a_current_lockfile(locked_project: Path, uv: str) -> None:
    assert check_lock(locked_project, uv).ok


def test_check_lock_reports_a_stale_lockfile_without_rewriting_it(
    locked_project: Path, uv: str
) -> None:
    lock = locked_project / "uv.lock"
    before = lock.read_bytes()
    write_project(locked_project, "2.0.0")
    verdict = check_lock(locked_project, uv)
    assert not verdict.ok
    assert verdict.message.startswith("uv.lock is out of date with pyproject.toml")
    assert lock.read_bytes() == before


def test_check_lock_reports_a_missing_lockfile(locked_project: Path, uv: str) -> None:
    (locked_project / "uv.lock").unlink()
    verdict = check_lock(locked_project, uv)
    assert not verdict.ok
    assert verdict.message.startswith("uv.lock is missing")
    assert not (locked_project / "uv.lock").exists()


def test_check_lock_reports_an_absent_uv(locked_project: Path) -> None:
    verdict = check_lock(locked_project, str(locked_project / "no-such-uv"))
    assert verdict.message.startswith("uv was not found")


def test_main_prints_one_error_line_and_exits_1(
    locked_project: Path, uv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(locked_project, "2.0.0")
    assert main(["--project", str(locked_project), "--uv", uv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: uv.lock is out of date with pyproject.toml: run `uv lock`, then commit uv.lock."
    ]


def test_main_is_silent_and_exits_0_when_current(
    locked_project: Path, uv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project", str(locked_project), "--uv", uv]) == 0
    assert capsys.readouterr() == ("", "")


def test_main_shows_uv_s_own_error_when_the_cause_is_unexpected(
    locked_project: Path,
    uv: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # uv wraps its message at the terminal width
    (locked_project / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    assert main(["--project", str(locked_project), "--uv", uv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    message, detail = captured.err.splitlines()
    assert message == (
        "error: uv.lock could not be checked against pyproject.toml: run `uv lock` to see why"
        " and to update it."
    )
    # uv's first error line (its quoting of the file name differs between uv versions).
    assert detail.startswith("  uv said: error: Failed to parse: ")
    assert "pyproject.toml" in detail
