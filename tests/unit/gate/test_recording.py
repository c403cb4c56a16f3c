"""Whether the recorded test dependencies can select tests, and why not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.gate.recording import PLUGIN_VERSION, data_file, data_problem, state_file, write_state

pytestmark = pytest.mark.unit


def test_the_data_file_is_per_python_minor_version(tmp_path: Path) -> None:
    assert data_file(tmp_path, (3, 12)) == tmp_path / ".cache/gate/testmon-py3.12.db"
    assert state_file(data_file(tmp_path, (3, 12))).name == "testmon-py3.12.db.state.json"


def test_missing_unreadable_foreign_and_unfinished_data_is_not_used(tmp_path: Path) -> None:
    data = data_file(tmp_path, (3, 11))
    assert data_problem(data) == "no recorded test dependencies yet (testmon-py3.11.db)"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"sqlite")
    assert data_problem(data) == (
        "the test dependencies in testmon-py3.11.db have no readable state file"
    )
    state_file(data).write_text("[1]", encoding="utf-8")
    assert "another gate version" in str(data_problem(data))
    state = {"plugin_version": PLUGIN_VERSION + 1, "finished": True}
    state_file(data).write_text(json.dumps(state), encoding="utf-8")
    assert "another gate version" in str(data_problem(data))
    write_state(data, finished=False)
    assert data_problem(data) == "the last recording into testmon-py3.11.db did not finish"
    write_state(data, finished=True)
    assert data_problem(data) is None
