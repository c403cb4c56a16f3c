"""Where the recorded test dependencies live, and when there are none to select with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.gate.recording import data_file, data_problem

pytestmark = pytest.mark.unit


def test_the_data_file_is_per_python_and_gate_version(tmp_path: Path) -> None:
    data = data_file(tmp_path, (3, 12))
    assert data.parent == tmp_path / ".cache/gate"
    assert data.name.startswith("testmon-py3.12-")
    assert data_file(tmp_path, (3, 12)) == data
    assert data_file(tmp_path, (3, 13)).name.startswith("testmon-py3.13-")


def test_only_a_missing_data_file_is_a_reason_to_run_every_test(tmp_path: Path) -> None:
    data = data_file(tmp_path, (3, 11))
    assert data_problem(data) == f"no recorded test dependencies yet ({data.name})"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"")
    assert data_problem(data) is None
