"""Tests that kill surviving mutants of ml_playground/training/checkpointing/manager.py (see
docs/testing/mutation.md): the keyword-only and immutable API, saving into a directory that
does not exist yet, and the reason an unreadable checkpoint is reported with."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from ml_playground.core.errors import CheckpointError
from ml_playground.training.checkpointing.manager import (
    CheckpointFile,
    CheckpointManager,
    LoadedCheckpoint,
    read_checkpoint,
)

pytestmark = pytest.mark.unit


class NotAllowedInCheckpoints:
    """A class weights-only loading refuses to rebuild."""


def test_save_creates_missing_parent_directories(tmp_path: Path) -> None:
    directory = tmp_path / "runs" / "exp" / "checkpoints"
    manager = CheckpointManager(directory, keep_last=1, keep_best=1, warn=print)
    path = manager.save({"model": {"w": torch.ones(1)}}, 7, best=False)
    assert path == directory / "last_00000007.pt"
    assert path.is_file()


def test_the_policy_settings_and_best_are_keyword_only(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        CheckpointManager(tmp_path, 1, 1, print)  # type: ignore[misc]
    manager = CheckpointManager(tmp_path, keep_last=1, keep_best=1, warn=print)
    with pytest.raises(TypeError):
        manager.save({"model": {}}, 1, True)  # type: ignore[misc]


def test_checkpoint_records_are_immutable(tmp_path: Path) -> None:
    file = CheckpointFile(tmp_path / "last_00000001.pt", "last", 1)
    loaded = LoadedCheckpoint(file, {"model": {}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        file.iteration = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.state = {}  # type: ignore[misc]


def test_an_empty_file_is_reported_with_the_exception_type(tmp_path: Path) -> None:
    path = tmp_path / "last_00000001.pt"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError) as raised:
        read_checkpoint(path)
    assert str(raised.value) == (
        f"checkpoint {path} is truncated, corrupt or not a checkpoint (EOFError)"
    )


def test_a_multi_line_load_error_is_reported_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "last_00000001.pt"
    torch.save({"model": OrderedDict(), "extra": NotAllowedInCheckpoints()}, path)
    with pytest.raises(CheckpointError) as raised:
        read_checkpoint(path)
    message = str(raised.value)
    assert message.startswith(
        f"checkpoint {path} is truncated, corrupt or not a checkpoint (Weights only load failed."
    )
    assert "\n" not in message


def two_checkpoints_the_newest_unreadable(directory: Path) -> None:
    writer = CheckpointManager(directory, keep_last=2, keep_best=1, warn=print)
    writer.save({"model": {"w": torch.ones(1)}}, 1, best=False)
    writer.save({"model": {"w": torch.ones(1)}}, 2, best=False).write_bytes(b"garbage")


def test_an_unreadable_checkpoint_is_moved_aside_by_default(tmp_path: Path) -> None:
    two_checkpoints_the_newest_unreadable(tmp_path)
    warnings: list[str] = []
    reader = CheckpointManager(tmp_path, keep_last=2, keep_best=1, warn=warnings.append)
    assert reader.load("latest").file.iteration == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "last_00000001.pt",
        "last_00000002.pt.unreadable",
    ]
    assert warnings[0].endswith(
        "; moved aside to last_00000002.pt.unreadable; trying the previous checkpoint"
    )


def test_a_reader_that_never_writes_leaves_an_unreadable_checkpoint_in_place(
    tmp_path: Path,
) -> None:
    two_checkpoints_the_newest_unreadable(tmp_path)
    warnings: list[str] = []
    reader = CheckpointManager(
        tmp_path, keep_last=2, keep_best=1, warn=warnings.append, move_unreadable=False
    )
    assert reader.load("latest").file.iteration == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last_00000001.pt", "last_00000002.pt"]
    assert warnings[0].endswith(".); trying the previous checkpoint")
    assert "moved aside" not in warnings[0]
