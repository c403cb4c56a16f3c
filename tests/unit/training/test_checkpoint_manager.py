from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from ml_playground.core.errors import CheckpointError, UsageError
from ml_playground.training.checkpointing.manager import (
    CheckpointFile,
    CheckpointManager,
    atomic_torch_save,
    checkpoint_file,
    move_aside,
    read_checkpoint,
)

pytestmark = pytest.mark.unit


def state(value: float) -> dict[str, object]:
    return {"model": {"w": torch.full((2,), value)}, "iteration": int(value)}


def manager(directory: Path, warnings: list[str], keep_last: int = 2, keep_best: int = 1):
    return CheckpointManager(
        directory, keep_last=keep_last, keep_best=keep_best, warn=warnings.append
    )


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_rotation_keeps_separate_counts_for_last_and_best(tmp_path: Path) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=2, keep_best=1)
    ckpts.save(state(1), 1, best=True)
    ckpts.save(state(2), 2, best=False)
    ckpts.save(state(3), 3, best=True)
    ckpts.save(state(4), 4, best=False)
    assert names(tmp_path) == ["best_00000003.pt", "last_00000003.pt", "last_00000004.pt"]
    assert warnings == []


def test_read_policy_picks_best_or_latest(tmp_path: Path) -> None:
    ckpts = manager(tmp_path, [])
    ckpts.save(state(1), 1, best=True)
    ckpts.save(state(2), 2, best=False)
    assert ckpts.load("best").file.iteration == 1
    assert ckpts.load("latest").file.iteration == 2
    loaded = ckpts.load("latest").state["model"]
    assert torch.equal(loaded["w"], torch.full((2,), 2.0))  # type: ignore[index]


def test_corrupt_newest_checkpoint_is_reported_and_the_previous_one_used(tmp_path: Path) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=3)
    ckpts.save(state(1), 1, best=False)
    newest = ckpts.save(state(2), 2, best=False)
    newest.write_bytes(newest.read_bytes()[:40])  # truncated, as by a crash during copy
    loaded = ckpts.load("latest")
    assert loaded.file.iteration == 1
    assert len(warnings) == 1
    assert str(newest) in warnings[0]
    assert "truncated, corrupt or not a checkpoint" in warnings[0]


def test_no_readable_checkpoint_is_an_error_naming_the_files(tmp_path: Path) -> None:
    ckpts = manager(tmp_path, [])
    path = ckpts.save(state(1), 1, best=False)
    path.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match=r"unreadable: last_00000001\.pt"):
        ckpts.load("latest")
    with pytest.raises(CheckpointError, match="no checkpoint in"):
        manager(tmp_path / "empty", []).load("best")


def test_resume_uses_only_last_checkpoints(tmp_path: Path) -> None:
    ckpts = manager(tmp_path, [])
    assert ckpts.latest_for_resume() is None
    ckpts.save(state(5), 5, best=True)
    resumed = ckpts.latest_for_resume()
    assert resumed is not None
    assert resumed.file.kind == "last"
    assert resumed.file.iteration == 5


class Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def test_checkpoints_that_would_run_code_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "last_00000001.pt"
    torch.save({"model": {}, "payload": Exploit()}, path)
    with pytest.raises(CheckpointError, match="truncated, corrupt or not a checkpoint"):
        read_checkpoint(path)


def test_a_file_without_model_weights_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "x.pt"
    torch.save({"weights": 1}, path)
    with pytest.raises(CheckpointError, match="has no model weights"):
        read_checkpoint(path)


def test_failed_atomic_save_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "last_00000001.pt"
    atomic_torch_save(state(1), path)
    before = path.read_bytes()
    with pytest.raises(AttributeError, match=r"Can't (pickle|get) local object"):
        atomic_torch_save({"model": {}, "bad": lambda: 0}, path)
    assert path.read_bytes() == before
    assert names(tmp_path) == ["last_00000001.pt"]


def corrupt(path: Path) -> Path:
    path.write_bytes(b"garbage")
    return path


def test_a_corrupt_checkpoint_is_moved_aside_never_deleted(tmp_path: Path) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=3)
    ckpts.save(state(1), 1, best=False)
    bad = corrupt(ckpts.save(state(2), 2, best=False))

    assert ckpts.load("latest").file.iteration == 1

    assert names(tmp_path) == ["last_00000001.pt", "last_00000002.pt.unreadable"]
    assert (tmp_path / "last_00000002.pt.unreadable").read_bytes() == b"garbage"
    assert len(warnings) == 1
    assert warnings[0].startswith(f"warning: checkpoint {bad} is truncated, corrupt or not a")
    assert warnings[0].endswith(
        "; moved aside to last_00000002.pt.unreadable; trying the previous checkpoint"
    )


def test_moving_aside_never_overwrites_an_earlier_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "last_00000002.pt"
    moved = []
    for _ in range(3):
        path.write_bytes(b"x")
        moved.append(move_aside(path).name)
    assert moved == [
        "last_00000002.pt.unreadable",
        "last_00000002.pt.unreadable.2",
        "last_00000002.pt.unreadable.3",
    ]
    assert move_aside(tmp_path / "gone.pt") == tmp_path / "gone.pt"


def test_a_checkpoint_the_system_cannot_open_is_reported_and_left_in_place(
    tmp_path: Path,
) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=3)
    ckpts.save(state(1), 1, best=False)
    looping = tmp_path / "last_00000002.pt"
    looping.symlink_to(looping)

    assert ckpts.load("latest").file.iteration == 1
    assert warnings == [
        f"warning: cannot read checkpoint {looping} (Too many levels of symbolic links);"
        " trying the previous checkpoint"
    ]
    assert looping.is_symlink()


def test_resume_takes_the_newest_readable_checkpoint_of_either_kind(tmp_path: Path) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=3, keep_best=3)
    ckpts.save(state(3), 3, best=True)
    atomic_torch_save(state(30), tmp_path / "best_00000003.pt")
    resumed = ckpts.latest_for_resume()
    assert resumed is not None
    assert (resumed.file.kind, resumed.file.iteration) == ("last", 3)

    corrupt(ckpts.save(state(6), 6, best=False))
    resumed = ckpts.latest_for_resume()
    assert resumed is not None
    assert (resumed.file.kind, resumed.file.iteration) == ("last", 3)

    corrupt(tmp_path / "last_00000003.pt")
    resumed = ckpts.latest_for_resume()
    assert resumed is not None
    assert (resumed.file.kind, resumed.file.iteration) == ("best", 3)
    assert torch.equal(resumed.state["model"]["w"], torch.full((2,), 30.0))
    assert len(warnings) == 2


def test_resume_with_only_unreadable_checkpoints_is_an_error(tmp_path: Path) -> None:
    ckpts = manager(tmp_path, [])
    assert ckpts.latest_for_resume() is None
    corrupt(ckpts.save(state(2), 2, best=True))
    corrupt(tmp_path / "best_00000002.pt")
    with pytest.raises(CheckpointError) as raised:
        ckpts.latest_for_resume()
    assert str(raised.value) == (
        f"no readable checkpoint in {tmp_path} (unreadable: last_00000002.pt, best_00000002.pt)"
    )


@pytest.mark.parametrize(
    ("blocked", "best"),
    [
        ("checkpoints", False),
        ("last_00000004.pt", False),
        ("best_00000004.pt", True),
        ("last_00000001.pt", False),
    ],
)
def test_a_failed_save_names_the_file_it_could_not_write(
    tmp_path: Path, blocked: str, best: bool
) -> None:
    directory = tmp_path / "checkpoints"
    ckpts = manager(directory, [], keep_last=1)
    if blocked == "checkpoints":
        directory.write_bytes(b"")
    else:
        (directory / blocked / "inside").mkdir(parents=True)
    with pytest.raises(CheckpointError) as raised:
        ckpts.save(state(4), 4, best=best)
    target = directory if blocked == "checkpoints" else directory / blocked
    assert str(raised.value).startswith(f"cannot write {target}: ")
    if blocked == "checkpoints":
        assert str(raised.value) == f"cannot write {target}: File exists"


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Files this process writes cannot grow past ``limit`` bytes, as on a disk that is full: a
    write past it fails (EFBIG) instead of ending the process (SIGXFSZ is ignored meanwhile)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_checkpoint_the_disk_cannot_hold_is_one_error_and_the_older_one_stays(
    tmp_path: Path,
) -> None:
    """torch's own writer fails with a RuntimeError, not an OSError, when a write fails."""
    directory = tmp_path / "checkpoints"
    ckpts = manager(directory, [], keep_last=1)
    ckpts.save(state(1), 1, best=False)
    before = {path.name: path.read_bytes() for path in directory.iterdir()}
    wide = {"model": {"w": torch.zeros(256, 256)}}  # 262,144 bytes of weights

    with file_size_limit(100_000), pytest.raises(CheckpointError) as raised:
        ckpts.save(wide, 2, best=False)
    with (
        file_size_limit(100_000),
        (tmp_path / "probe.pt").open("wb") as probe,
        pytest.raises(RuntimeError) as torch_error,
    ):
        torch.save(wide, probe)

    reason = str(torch_error.value).strip().splitlines()[0]
    assert str(raised.value) == (
        f"cannot write {directory / 'last_00000002.pt'}: the disk is full or the file too large"
        f" ({reason})"
    )
    assert {path.name: path.read_bytes() for path in directory.iterdir()} == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("last_00000012.pt", ("last", 12)),
        ("best_00000003.pt", ("best", 3)),
        ("best_0000003.pt", None),
        ("last_00000012.pt.unreadable", None),
        ("mine.pt", None),
    ],
)
def test_a_checkpoint_name_records_its_kind_and_iteration(
    tmp_path: Path, name: str, expected: tuple[str, int] | None
) -> None:
    found = checkpoint_file(tmp_path / name)
    assert (found and (found.kind, found.iteration)) == expected
    assert found is None or found.path == tmp_path / name


def test_a_chosen_kind_takes_its_newest_readable_file_and_never_the_other_kind(
    tmp_path: Path,
) -> None:
    warnings: list[str] = []
    ckpts = manager(tmp_path, warnings, keep_last=3, keep_best=3)
    ckpts.save(state(1), 1, best=True)
    ckpts.save(state(2), 2, best=True)
    ckpts.save(state(3), 3, best=False)
    assert ckpts.chosen("last").file == CheckpointFile(tmp_path / "last_00000003.pt", "last", 3)
    assert ckpts.chosen("best").file == CheckpointFile(tmp_path / "best_00000002.pt", "best", 2)
    (tmp_path / "best_00000002.pt").write_bytes(b"damaged")
    assert ckpts.chosen("best").file.iteration == 1
    assert len(warnings) == 1
    for path in tmp_path.glob("best_*.pt"):
        path.unlink()
    with pytest.raises(CheckpointError, match="no checkpoint in"):
        ckpts.chosen("best")


def test_a_chosen_path_is_read_as_it_is(tmp_path: Path) -> None:
    ckpts = manager(tmp_path / "run", [])
    elsewhere = tmp_path / "mine.pt"
    atomic_torch_save(state(5), elsewhere)
    loaded = ckpts.chosen(str(elsewhere))
    assert loaded.file == CheckpointFile(elsewhere, "last", 0)
    assert loaded.state["iteration"] == 5
    named = ckpts.save(state(7), 7, best=False)
    assert ckpts.chosen(str(named)).file == CheckpointFile(named, "last", 7)
    elsewhere.write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="truncated, corrupt or not a checkpoint"):
        ckpts.chosen(str(elsewhere))
    assert elsewhere.read_bytes() == b"junk"


@pytest.mark.parametrize("choice", ["missing.pt", "latest", "."])
def test_a_chosen_path_that_is_not_a_file_is_a_usage_error(tmp_path: Path, choice: str) -> None:
    with pytest.raises(UsageError) as raised:
        manager(tmp_path, []).chosen(choice)
    assert str(raised.value) == (
        f"--from {choice}: expected best, last or the path of a checkpoint file;"
        f" {choice} is not a file"
    )
