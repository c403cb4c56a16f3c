"""The run lock: one writer per run directory, its holder named to a second one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ml_playground.core.errors import RunError
from ml_playground.training.run_files import remove_temp_files
from ml_playground.training.run_lock import LOCK_FILE, run_lock

pytestmark = pytest.mark.unit


def test_the_lock_records_its_holder_and_refuses_a_second_one(tmp_path: Path) -> None:
    with run_lock(tmp_path / "run"):
        assert (tmp_path / "run" / LOCK_FILE).read_text() == f"{os.getpid()}\n"
        refused = pytest.raises(RunError, match=rf"in use by another run \(pid {os.getpid()}\)")
        with refused, run_lock(tmp_path / "run"):
            pass
    with run_lock(tmp_path / "run"):  # released on exit
        pass


def test_the_lock_file_is_readable_by_all_and_writable_by_its_owner(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        with run_lock(tmp_path):
            pass
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / LOCK_FILE).stat().st_mode) == 0o644


def test_only_temporary_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "checkpoints").mkdir()
    kept = [tmp_path / "metrics.jsonl", tmp_path / "checkpoints" / "last_00000003.pt"]
    removed = [tmp_path / ".metrics.jsonl.a.tmp", tmp_path / "checkpoints" / ".last_1.pt.b.tmp"]
    for path in kept + removed:
        path.write_bytes(b"x")

    assert remove_temp_files(tmp_path) == removed
    assert [p.exists() for p in kept + removed] == [True, True, False, False]
    assert remove_temp_files(tmp_path / "missing") == []


def test_missing_parent_directories_of_the_run_are_created(tmp_path: Path) -> None:
    out_dir = tmp_path / "runs" / "a" / "run"
    with run_lock(out_dir):
        assert (out_dir / LOCK_FILE).read_text() == f"{os.getpid()}\n"


def test_a_second_writer_quotes_only_the_first_32_bytes_of_the_lock_file(tmp_path: Path) -> None:
    """A lock file some other program filled is not echoed whole into the message."""
    with run_lock(tmp_path):
        (tmp_path / LOCK_FILE).write_text("1234567890" * 4)
        with pytest.raises(RunError) as raised, run_lock(tmp_path):
            pass
    assert f"(pid {'1234567890' * 3}12)" in str(raised.value)
