"""The CI matrix: nox's session list becomes one matrix entry per session and OS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.ci.matrix import (
    DEDICATED_JOBS,
    OPERATING_SYSTEMS,
    MatrixError,
    NoxSession,
    build_matrix,
    list_ci_sessions,
    main,
    parse_sessions,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

NOX_OUTPUT = json.dumps(
    [
        {"session": "quality-3.11", "name": "quality", "python": "3.11", "tags": ["ci"]},
        {"session": "quality-3.12", "name": "quality", "python": "3.12", "tags": ["ci"]},
        {"session": "lint", "name": "lint", "python": "3.11", "tags": ["ci"]},
        {"session": "badge", "name": "badge", "python": "3.11", "tags": ["ci"]},
        {"session": "mutation", "name": "mutation", "python": "3.11", "tags": ["ci"]},
    ]
)


def test_sessions_are_read_from_nox_json() -> None:
    assert parse_sessions(NOX_OUTPUT)[:3] == [
        NoxSession("quality-3.11", "quality", "3.11"),
        NoxSession("quality-3.12", "quality", "3.12"),
        NoxSession("lint", "lint", "3.11"),
    ]


def test_every_session_runs_on_every_os_except_the_dedicated_jobs() -> None:
    matrix = build_matrix(parse_sessions(NOX_OUTPUT))
    assert matrix == {
        "include": [
            {"session": "quality-3.11", "python": "3.11", "os": "ubuntu-latest"},
            {"session": "quality-3.11", "python": "3.11", "os": "macos-latest"},
            {"session": "quality-3.12", "python": "3.12", "os": "ubuntu-latest"},
            {"session": "quality-3.12", "python": "3.12", "os": "macos-latest"},
            {"session": "lint", "python": "3.11", "os": "ubuntu-latest"},
            {"session": "lint", "python": "3.11", "os": "macos-latest"},
        ]
    }
    assert OPERATING_SYSTEMS == ("ubuntu-latest", "macos-latest")
    assert set(DEDICATED_JOBS) == {"badge", "mutation"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nox: error", "nox printed no JSON session list"),
        ('{"session": "lint"}', "not a list of sessions"),
        ('["lint"]', "is not a JSON object"),
        ('[{"session": "lint", "name": "lint"}]', "without session, name and python"),
        ('[{"session": "", "name": "lint", "python": "3.11"}]', "without session, name"),
    ],
)
def test_output_that_is_not_a_session_list_is_an_error(text: str, message: str) -> None:
    with pytest.raises(MatrixError, match=message):
        parse_sessions(text)


def test_main_prints_compact_json_from_a_saved_session_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "sessions.json"
    saved.write_text(NOX_OUTPUT, encoding="utf-8")
    assert main(["--nox-json", str(saved)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert " " not in out
    assert json.loads(out) == build_matrix(parse_sessions(NOX_OUTPUT))


def test_main_reports_a_broken_session_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "sessions.json"
    saved.write_text("[1]", encoding="utf-8")
    assert main(["--nox-json", str(saved)]) == 1
    assert capsys.readouterr().err == "matrix: a session entry is not a JSON object\n"


def test_main_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--nox-json", str(tmp_path / "absent.json")]) == 1
    assert capsys.readouterr().err.startswith("matrix: [Errno 2]")


def test_main_reads_the_session_list_from_stdin() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tools.ci.matrix", "--nox-json", "-"],
        cwd=REPO_ROOT,
        input=NOX_OUTPUT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == build_matrix(parse_sessions(NOX_OUTPUT))


def test_a_failing_nox_listing_is_an_error_with_its_message(tmp_path: Path) -> None:
    # No noxfile in the directory: nox cannot list anything.
    with pytest.raises(MatrixError) as failed:
        list_ci_sessions(sys.executable, cwd=tmp_path)
    assert str(failed.value) == (
        "`nox -l --json -t ci` exited with 2: nox > Failed to load Noxfile"
        f" {tmp_path}/noxfile.py, no such file exists."
    )
