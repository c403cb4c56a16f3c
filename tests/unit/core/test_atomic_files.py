"""Crash-safe writes: complete or untouched, no temporary file left, permissions kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from ml_playground.core.atomic_files import (
    atomic_write,
    atomic_write_bytes,
    fsync_directory,
    write_staged,
)

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


def test_a_temporary_file_removed_meanwhile_fails_the_rename_onto_the_target(
    tmp_path: Path,
) -> None:
    """As when a cleanup of stray temporary files runs during the write: the error is the
    rename's own, naming the target, not one about the file already gone."""
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    def write_then_lose_the_file(handle: BinaryIO) -> None:
        handle.write(b"new")
        for stray in tmp_path.glob(".file.bin.*.tmp"):
            stray.unlink()

    with pytest.raises(FileNotFoundError) as raised:
        atomic_write(target, write_then_lose_the_file)

    assert raised.value.filename2 == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
    assert target.read_bytes() == b"old"


def test_syncing_a_directory_that_cannot_be_opened_is_a_no_op(tmp_path: Path) -> None:
    """Where directories cannot be opened (Windows), the rename is as durable as it gets."""
    missing = tmp_path / "missing"
    fsync_directory(missing)
    assert not missing.exists()


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_bytes(b"old")
    target.chmod(0o664)

    atomic_write_bytes(target, b"new")

    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    assert target.read_bytes() == b"new"


def test_a_new_file_gets_the_permissions_the_umask_allows(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "new.txt", b"data")
        plain = tmp_path / "plain.txt"
        plain.write_bytes(b"data")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.bin"

    atomic_write_bytes(target, b"data")

    assert target.read_bytes() == b"data"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_a_failed_write_whose_temporary_file_is_already_gone_raises_its_own_error(
    tmp_path: Path,
) -> None:
    """As when a cleanup of stray temporary files runs during the write: the writer's error
    comes through, not one about the file already gone."""
    target = tmp_path / "file.bin"

    def lose_the_file_then_fail(handle: BinaryIO) -> None:
        for stray in tmp_path.glob(".file.bin.*.tmp"):
            stray.unlink()
        raise ValueError("the writer failed")

    with pytest.raises(ValueError, match="the writer failed"):
        atomic_write(target, lose_the_file_then_fail)

    assert list(tmp_path.iterdir()) == []
