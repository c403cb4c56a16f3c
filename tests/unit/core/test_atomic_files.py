from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from ml_playground.core.atomic_files import atomic_write_bytes, fsync_directory, write_staged

pytestmark = pytest.mark.unit


def test_atomic_write_bytes_creates_and_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"

    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, b"second")

    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


def test_write_staged_leaves_the_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    staged = write_staged(target, b"new")

    assert staged.parent == tmp_path
    assert staged.name.startswith(".file.bin.")
    assert staged.name.endswith(".tmp")
    assert staged.read_bytes() == b"new"
    assert target.read_bytes() == b"old"


def test_failed_write_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"

    with pytest.raises(TypeError):
        write_staged(target, cast("bytes", "not bytes"))

    assert list(tmp_path.iterdir()) == []


def test_failed_rename_keeps_the_target_and_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "inside.txt").write_bytes(b"kept")

    with pytest.raises(OSError, match="occupied"):
        atomic_write_bytes(target, b"data")

    assert [p.name for p in tmp_path.iterdir()] == ["occupied"]
    assert (target / "inside.txt").read_bytes() == b"kept"


def test_syncing_a_directory_that_cannot_be_opened_is_a_no_op(tmp_path: Path) -> None:
    """Where directories cannot be opened (Windows), the rename is as durable as it gets."""
    missing = tmp_path / "missing"
    fsync_directory(missing)
    assert not missing.exists()
