"""A run's files: writable before training starts, moved aside (never deleted) by --fresh, and a
metrics log that survives a crash in the middle of an append."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml_playground.core.errors import RunError
from ml_playground.training.run_files import (
    append_metrics,
    check_writable,
    checkpoint_dir,
    has_history,
    metrics_path,
    move_later_checkpoints_aside,
    move_run_aside,
    rewind_metrics,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def records(*iterations: int) -> str:
    return "".join(f'{{"kind": "train", "iter": {i}}}\n' for i in iterations)


def rewound(out_dir: Path, content: bytes, iteration: int) -> tuple[bytes, list[str]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics_path(out_dir).write_bytes(content)
    warnings: list[str] = []
    rewind_metrics(out_dir, iteration, warnings.append)
    return metrics_path(out_dir).read_bytes(), warnings


def test_a_writable_out_dir_gets_its_checkpoint_folder_and_an_empty_log(tmp_path: Path) -> None:
    out_dir = tmp_path / "runs" / "a"
    check_writable(out_dir)
    assert checkpoint_dir(out_dir).is_dir()
    assert metrics_path(out_dir).read_bytes() == b""
    assert not has_history(out_dir)
    assert list(checkpoint_dir(out_dir).iterdir()) == []


def test_an_out_dir_that_is_a_file_fails_before_training(tmp_path: Path) -> None:
    out_dir = tmp_path / "run"
    out_dir.write_text("notes", encoding="utf-8")
    with pytest.raises(RunError) as raised:
        check_writable(out_dir)
    assert str(raised.value) == (
        f"cannot write the run's files in {out_dir} (train.runtime.out_dir): Not a directory"
    )


def test_only_a_non_empty_log_is_history(tmp_path: Path) -> None:
    assert not has_history(tmp_path)
    metrics_path(tmp_path).write_bytes(b"")
    assert not has_history(tmp_path)
    metrics_path(tmp_path).write_bytes(b"\n")  # a single byte is already something
    assert has_history(tmp_path)
    metrics_path(tmp_path).write_text(records(1), encoding="utf-8")
    assert has_history(tmp_path)


def test_nothing_to_move_aside_moves_nothing(tmp_path: Path) -> None:
    assert move_run_aside(tmp_path, NOW) is None
    check_writable(tmp_path)
    assert move_run_aside(tmp_path, NOW) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints", "metrics.jsonl"]


def test_a_previous_run_is_moved_aside_under_its_time(tmp_path: Path) -> None:
    for n in range(3):
        check_writable(tmp_path)
        (checkpoint_dir(tmp_path) / "last_00000002.pt").write_bytes(bytes([n]))
        moved = move_run_aside(tmp_path, NOW)
        suffix = f"-{n + 1}" if n else ""
        assert moved == tmp_path / "previous" / f"20260102T030405Z{suffix}"
        assert moved is not None
        assert (moved / "checkpoints" / "last_00000002.pt").read_bytes() == bytes([n])
        assert sorted(p.name for p in moved.iterdir()) == ["checkpoints"]
    metrics_path(tmp_path).write_text(records(1), encoding="utf-8")
    moved = move_run_aside(tmp_path, NOW)
    assert moved is not None
    assert (moved / "metrics.jsonl").read_text(encoding="utf-8") == records(1)


def test_a_run_that_cannot_be_moved_aside_is_an_error(tmp_path: Path) -> None:
    metrics_path(tmp_path).write_text(records(1), encoding="utf-8")
    (tmp_path / "previous").write_text("", encoding="utf-8")
    with pytest.raises(RunError, match=r"cannot move the previous run in .* aside: Not a direc"):
        move_run_aside(tmp_path, NOW)
    assert metrics_path(tmp_path).read_text(encoding="utf-8") == records(1)


def test_append_adds_one_json_line_and_names_the_file_when_it_cannot(tmp_path: Path) -> None:
    append_metrics(tmp_path, {"kind": "eval", "iter": 3})
    append_metrics(tmp_path, {"kind": "train", "iter": 4})
    assert metrics_path(tmp_path).read_text(encoding="utf-8") == (
        '{"kind": "eval", "iter": 3}\n{"kind": "train", "iter": 4}\n'
    )
    with pytest.raises(RunError, match=r"^cannot append to .*metrics\.jsonl: Not a directory$"):
        append_metrics(tmp_path / "metrics.jsonl", {"iter": 5})


def test_rewinding_keeps_the_records_up_to_the_resumed_iteration(tmp_path: Path) -> None:
    content = records(1, 2, 3, 4).encode()
    assert rewound(tmp_path, content, 4) == (content, [])
    assert rewound(tmp_path, content, 2) == (records(1, 2).encode(), [])
    assert rewound(tmp_path, b"", 0) == (b"", [])
    rewind_metrics(tmp_path / "missing", 0, print)


def test_a_partial_last_line_is_dropped_with_a_warning(tmp_path: Path) -> None:
    content, warnings = rewound(tmp_path, records(1, 2).encode() + b'{"kind": "tr', 2)
    assert content == records(1, 2).encode()
    assert warnings == [
        f"warning: {metrics_path(tmp_path)}: dropping an incomplete last line (12 bytes),"
        " as a crash during a write leaves it"
    ]


@pytest.mark.parametrize(
    "line", [b"{", b"[1]", b'{"iter": true}', b'{"iter": "1"}', b"\xff", b'{"kind": "x"}']
)
def test_a_damaged_line_before_the_end_stops_the_run(tmp_path: Path, line: bytes) -> None:
    content = records(1).encode() + line + b"\n" + records(2).encode()
    with pytest.raises(RunError) as raised:
        rewound(tmp_path, content, 2)
    assert str(raised.value) == (
        f"{metrics_path(tmp_path)}: line 2 is not a metrics record; repair the file, or"
        " `ml-playground train --fresh` starts over, moving the old run aside"
    )
    assert metrics_path(tmp_path).read_bytes() == content


def test_an_unreadable_log_is_one_line(tmp_path: Path) -> None:
    metrics_path(tmp_path).mkdir()
    with pytest.raises(RunError, match=r"^cannot rewind .*metrics\.jsonl: Is a directory$"):
        rewind_metrics(tmp_path, 0, print)


def test_going_back_moves_the_later_checkpoints_and_copies_the_metrics(tmp_path: Path) -> None:
    assert move_later_checkpoints_aside(tmp_path, [], NOW) is None
    check_writable(tmp_path)
    for name in ("last_00000004.pt", "last_00000008.pt", "best_00000008.pt"):
        (checkpoint_dir(tmp_path) / name).write_bytes(name.encode())
    metrics_path(tmp_path).write_text(records(4, 8), encoding="utf-8")
    later = [checkpoint_dir(tmp_path) / n for n in ("last_00000008.pt", "best_00000008.pt")]

    moved = move_later_checkpoints_aside(tmp_path, later, NOW)

    assert moved == tmp_path / "previous" / "20260102T030405Z"
    assert moved is not None
    assert sorted(p.name for p in (moved / "checkpoints").iterdir()) == [
        "best_00000008.pt",
        "last_00000008.pt",
    ]
    assert (moved / "checkpoints" / "best_00000008.pt").read_bytes() == b"best_00000008.pt"
    assert [p.name for p in checkpoint_dir(tmp_path).iterdir()] == ["last_00000004.pt"]
    assert (moved / "metrics.jsonl").read_text(encoding="utf-8") == records(4, 8)
    assert metrics_path(tmp_path).read_text(encoding="utf-8") == records(4, 8)


def test_going_back_without_metrics_moves_the_checkpoints_only(tmp_path: Path) -> None:
    check_writable(tmp_path)
    metrics_path(tmp_path).unlink()
    later = checkpoint_dir(tmp_path) / "last_00000008.pt"
    later.write_bytes(b"x")
    moved = move_later_checkpoints_aside(tmp_path, [later], NOW)
    assert moved is not None
    assert sorted(p.name for p in moved.iterdir()) == ["checkpoints"]


def test_later_checkpoints_that_cannot_be_moved_are_an_error(tmp_path: Path) -> None:
    check_writable(tmp_path)
    missing = checkpoint_dir(tmp_path) / "last_00000008.pt"
    with pytest.raises(RunError, match=r"cannot move the later checkpoints in .* aside: No such"):
        move_later_checkpoints_aside(tmp_path, [missing], NOW)
