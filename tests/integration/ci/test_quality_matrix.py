"""The quality workflow's matrix holds every ci-tagged nox session and nothing else.

Both sides come from real subprocesses: ``nox -l --json -t ci`` and the command the workflow's
matrix job feeds it to, ``python -m tools.ci.matrix``. The sessions kept out of the matrix must be
exactly the dedicated jobs, and the workflow file named for each must run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.ci.matrix import DEDICATED_JOBS, EVERY_OS, OPERATING_SYSTEMS

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
QUALITY = REPO_ROOT / ".github" / "workflows" / "quality.yml"


def run_python(*args: str, stdin: str = "") -> str:
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def test_the_matrix_is_every_ci_session_and_nothing_else() -> None:
    nox_json = run_python("-m", "nox", "-l", "--json", "-t", "ci")
    listed = json.loads(nox_json)
    ci_sessions = {(entry["session"], entry["python"]) for entry in listed}
    names = {entry["session"]: entry["name"] for entry in listed}
    assert all("ci" in entry["tags"] for entry in listed)
    assert {"tests-3.11", "tests-3.13", "lint", "build"} <= set(names)

    matrix = json.loads(run_python("-m", "tools.ci.matrix", stdin=nox_json))
    entries = matrix["include"]
    in_matrix = {(entry["session"], entry["python"]) for entry in entries}
    dedicated = {pair for pair in ci_sessions if names[pair[0]] in DEDICATED_JOBS}

    assert in_matrix == ci_sessions - dedicated
    assert {names[session] for session, _ in dedicated} == set(DEDICATED_JOBS)
    every_os = {entry["session"] for entry in listed if EVERY_OS in entry["tags"]}
    for session, python in in_matrix:
        systems = [e["os"] for e in entries if (e["session"], e["python"]) == (session, python)]
        expected = OPERATING_SYSTEMS if session in every_os else OPERATING_SYSTEMS[:1]
        assert systems == list(expected)


def test_the_quality_workflow_runs_the_matrix_it_is_given() -> None:
    text = QUALITY.read_text(encoding="utf-8")
    assert 'nox -l --json -t ci > "$RUNNER_TEMP/sessions.json"' in text
    assert 'python -m tools.ci.matrix < "$RUNNER_TEMP/sessions.json")' in text
    assert 'echo "matrix=${matrix}" >> "$GITHUB_OUTPUT"' in text
    assert "matrix: ${{ fromJSON(needs.matrix.outputs.matrix) }}" in text
    assert "runs-on: ${{ matrix.os }}" in text
    assert "python-version: ${{ matrix.python }}" in text
    assert 'nox -s "$SESSION"' in text


@pytest.mark.parametrize(("session", "workflow"), sorted(DEDICATED_JOBS.items()))
def test_each_dedicated_session_runs_in_its_workflow(session: str, workflow: str) -> None:
    text = (REPO_ROOT / workflow).read_text(encoding="utf-8")
    assert f"nox -s {session}" in text
