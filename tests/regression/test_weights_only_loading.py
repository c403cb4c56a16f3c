"""Loading a checkpoint never executes code hidden in it (``torch.load(weights_only=True)``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ml_playground.core.errors import CheckpointError
from ml_playground.training.checkpointing.manager import (
    CheckpointManager,
    atomic_torch_save,
    read_checkpoint,
)

pytestmark = pytest.mark.regression


class Payload:
    """Pickles as "call ``exec`` with this code": the classic malicious pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        code = f"__import__('pathlib').Path({str(self.marker)!r}).write_text('executed')"
        return (exec, (code,))


def malicious_checkpoint(path: Path, marker: Path) -> Path:
    """A file that looks like a checkpoint and runs code when unpickled unsafely."""
    torch.save({"model": {"w": torch.zeros(2)}, "extra": Payload(marker)}, path)
    return path


def test_the_payload_is_live_when_loaded_unsafely(tmp_path: Path) -> None:
    """The control: the same file does run its code under a full unpickler, so the tests
    below prove something when they find no marker."""
    marker = tmp_path / "executed.txt"
    path = malicious_checkpoint(tmp_path / "evil.pt", marker)

    torch.load(path, map_location="cpu", weights_only=False)

    assert marker.read_text(encoding="utf-8") == "executed"


def test_a_checkpoint_with_a_code_payload_is_refused_without_running_it(tmp_path: Path) -> None:
    """What broke: checkpoints were read with a full unpickler (``weights_only=False``, the
    default before torch 2.6), so a downloaded or tampered ``.pt`` file ran arbitrary code
    the moment ``sample`` or a resume opened it. It would show as the marker file existing."""
    marker = tmp_path / "executed.txt"
    path = malicious_checkpoint(tmp_path / "last_00000002.pt", marker)

    with pytest.raises(CheckpointError) as caught:
        read_checkpoint(path)

    assert str(caught.value).startswith(
        f"checkpoint {path} is truncated, corrupt or not a checkpoint ("
    )
    assert "\n" not in str(caught.value)
    assert not marker.exists()


def test_resume_skips_a_poisoned_newest_checkpoint_for_the_previous_good_one(
    tmp_path: Path,
) -> None:
    """What broke: one unreadable newest checkpoint stopped the run instead of falling back.
    Here the newest file carries a payload; the manager names it, skips it without running
    it, and resumes from the older, clean checkpoint."""
    directory = tmp_path / "checkpoints"
    atomic_torch_save(
        {"model": {"w": torch.ones(2)}, "iteration": 2}, directory / "last_00000002.pt"
    )
    marker = tmp_path / "executed.txt"
    poisoned = malicious_checkpoint(directory / "last_00000004.pt", marker)
    warnings: list[str] = []
    manager = CheckpointManager(directory, keep_last=3, keep_best=1, warn=warnings.append)

    loaded = manager.latest_for_resume()

    assert loaded is not None
    assert loaded.file.iteration == 2
    assert torch.equal(loaded.state["model"]["w"], torch.ones(2))
    assert len(warnings) == 1
    assert warnings[0].startswith(f"warning: checkpoint {poisoned} is truncated, corrupt or not")
    assert warnings[0].endswith("; trying the previous checkpoint")
    assert not marker.exists()
