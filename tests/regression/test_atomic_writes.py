"""Crash-safe writes: after any crash the real name holds the old bytes or the new, never a part."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
import torch

from ml_playground.core.atomic_files import atomic_write
from ml_playground.training.checkpointing.manager import atomic_torch_save, read_checkpoint

pytestmark = pytest.mark.regression

REPO_ROOT = Path(__file__).resolve().parents[2]

# A child that writes the first half of a payload through atomic_write, reports how far it
# got on stdout and then blocks on stdin until the parent kills it.
CHILD = """
import sys
from pathlib import Path
from ml_playground.core.atomic_files import atomic_write

target, payload, phase = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), sys.argv[3]

def writer(handle):
    handle.write(payload[: len(payload) // 2])
    handle.flush()
    if phase == "mid-write":
        print("mid-write", flush=True)
        sys.stdin.read()
    handle.write(payload[len(payload) // 2 :])

atomic_write(target, writer)
print("renamed", flush=True)
sys.stdin.read()
"""


def kill_child_at(phase: str, target: Path, payload: bytes, tmp_path: Path) -> None:
    """Run the child until it reports ``phase``, then SIGKILL it (no cleanup can run)."""
    source = tmp_path / "payload.bin"
    source.write_bytes(payload)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), str(source), phase],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        reached = child.stdout.readline().decode()
        child.kill()
        _, err = child.communicate()
    assert reached == f"{phase}\n", err.decode()
    assert child.returncode != 0


def leftovers(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]


def test_a_writer_that_raises_midway_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    """What broke: writing in place (``open(target, "wb")``) truncated the file first, so an
    exception in the middle of a write left an empty or half-written file under the real name,
    and the next run failed to read it."""
    target = tmp_path / "state.bin"
    target.write_bytes(b"old complete contents")

    def failing(handle: BinaryIO) -> None:
        handle.write(b"new but only half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, failing)

    assert target.read_bytes() == b"old complete contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.bin"]


def test_a_process_killed_mid_write_leaves_the_old_file_under_the_real_name(
    tmp_path: Path,
) -> None:
    """What broke: a process killed (SIGKILL, OOM killer, power loss) during a write left a
    partial file under the real name; no ``finally`` or ``except`` runs on SIGKILL, so only
    write-to-temp-then-rename protects the reader. It showed as a truncated file next run."""
    target = tmp_path / "tokens.bin"
    target.write_bytes(b"O" * 4096)

    kill_child_at("mid-write", target, b"N" * 4096, tmp_path)

    assert target.read_bytes() == b"O" * 4096
    # SIGKILL left the temp file behind: hidden, marked .tmp, holding the partial write.
    [temp] = leftovers(target)
    assert temp.name.endswith(".tmp")
    assert temp.read_bytes() == b"N" * 2048


def test_a_process_killed_after_the_rename_leaves_the_complete_new_file(tmp_path: Path) -> None:
    """The other half of the guarantee: once the rename is done the new bytes are whole."""
    target = tmp_path / "tokens.bin"
    target.write_bytes(b"O" * 4096)

    kill_child_at("renamed", target, b"N" * 4096, tmp_path)

    assert target.read_bytes() == b"N" * 4096
    assert leftovers(target) == []


def test_a_checkpoint_killed_mid_write_still_loads_the_previous_weights(tmp_path: Path) -> None:
    """What broke: a checkpoint interrupted while being saved could not be loaded, so resume
    started from scratch. It showed as "truncated, corrupt or not a checkpoint" on restart."""
    target = tmp_path / "last_00000004.pt"
    atomic_torch_save({"model": {"w": torch.full((4,), 1.0)}, "iteration": 4}, target)
    newer = tmp_path / "newer.pt"
    torch.save({"model": {"w": torch.full((4,), 2.0)}, "iteration": 8}, newer)

    kill_child_at("mid-write", target, newer.read_bytes(), tmp_path)

    state = read_checkpoint(target)
    assert state["iteration"] == 4
    assert torch.equal(state["model"]["w"], torch.full((4,), 1.0))
