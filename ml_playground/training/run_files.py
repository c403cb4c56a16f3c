"""The files of a training run in ``out_dir``: ``checkpoints/``, ``metrics.jsonl`` and, for runs
moved aside by ``train --fresh``, ``previous/<UTC time>/``."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from ml_playground.core.errors import RunError

PREVIOUS_RUNS = "previous"
FRESH_HINT = "`ml-playground train --fresh` starts over, moving the old run aside"


def checkpoint_dir(out_dir: Path) -> Path:
    return out_dir / "checkpoints"


def metrics_path(out_dir: Path) -> Path:
    return out_dir / "metrics.jsonl"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_writable(out_dir: Path) -> None:
    """Fail before any compute is spent when the run's files cannot be written there."""
    try:
        checkpoint_dir(out_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=checkpoint_dir(out_dir)):
            pass
        with metrics_path(out_dir).open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise RunError(
            f"cannot write the run's files in {out_dir} (train.runtime.out_dir): {_reason(exc)}"
        ) from None


def remove_temp_files(out_dir: Path) -> list[Path]:
    """Remove what a write killed before its rename left behind (``.NAME.*.tmp``, see
    ``atomic_files.stage``); only safe under the run's lock. Returns the removed files."""
    removed: list[Path] = []
    for folder in (out_dir, checkpoint_dir(out_dir)):
        for path in sorted(folder.glob(".*.tmp")) if folder.is_dir() else []:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _non_empty(path: Path) -> bool:
    if path.is_dir():
        return any(path.iterdir())
    return path.is_file() and path.stat().st_size > 0


def has_history(out_dir: Path) -> bool:
    """Whether an earlier run left metrics behind."""
    return _non_empty(metrics_path(out_dir))


def _aside_folder(out_dir: Path, now: datetime) -> Path:
    """A new, empty ``previous/<now>`` (with a number appended when that one exists)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / PREVIOUS_RUNS / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = out_dir / PREVIOUS_RUNS / f"{stamp}-{suffix}"
    target.mkdir(parents=True)
    return target


def move_run_aside(out_dir: Path, now: datetime) -> Path | None:
    """Move the checkpoints and metrics of the previous run into ``previous/<now>``, never
    deleting anything; None when there was nothing to move."""
    moving = [p for p in (checkpoint_dir(out_dir), metrics_path(out_dir)) if _non_empty(p)]
    if not moving:
        return None
    try:
        target = _aside_folder(out_dir, now)
        for path in moving:
            path.rename(target / path.name)
    except OSError as exc:
        raise RunError(f"cannot move the previous run in {out_dir} aside: {_reason(exc)}") from None
    return target


def move_later_checkpoints_aside(out_dir: Path, later: list[Path], now: datetime) -> Path | None:
    """Before a run goes back to an earlier checkpoint: move the ``later`` ones into
    ``previous/<now>/checkpoints`` with a copy of ``metrics.jsonl``, so the abandoned
    continuation stays whole; None when there are none."""
    if not later:
        return None
    try:
        target = _aside_folder(out_dir, now)
        (target / "checkpoints").mkdir()
        for path in later:
            path.rename(target / "checkpoints" / path.name)
        if metrics_path(out_dir).is_file():
            shutil.copy2(metrics_path(out_dir), target / metrics_path(out_dir).name)
    except OSError as exc:
        raise RunError(
            f"cannot move the later checkpoints in {out_dir} aside: {_reason(exc)}"
        ) from None
    return target


def append_metrics(out_dir: Path, record: dict[str, object]) -> None:
    path = metrics_path(out_dir)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    except OSError as exc:
        raise RunError(f"cannot append to {path}: {_reason(exc)}") from None


def parse_record(line: bytes) -> dict[str, object] | None:
    """The JSON object on one line of ``metrics.jsonl``; None for anything else."""
    try:
        record: object = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None  # pyright: ignore[reportUnknownVariableType]


def _record_iteration(line: bytes) -> int | None:
    record = parse_record(line)
    iteration = record.get("iter") if record is not None else None
    return iteration if isinstance(iteration, int) and not isinstance(iteration, bool) else None


def rewind_metrics(out_dir: Path, iteration: int, warn: Callable[[str], None]) -> None:
    """Drop the records past the checkpoint a run resumes from, so the file holds one curve.

    A last line without its newline is what a crash during an append leaves: it is dropped
    with a warning. Any other line that is not a record stops the run, since guessing would
    lose history.
    """
    path = metrics_path(out_dir)
    try:
        if path.exists():
            _rewind(path, iteration, warn)
    except OSError as exc:
        raise RunError(f"cannot rewind {path}: {_reason(exc)}") from None


def _rewind(path: Path, iteration: int, warn: Callable[[str], None]) -> None:
    *lines, partial = path.read_bytes().split(b"\n")
    if partial:
        warn(
            f"warning: {path}: dropping an incomplete last line ({len(partial)} bytes), as a"
            " crash during a write leaves it"
        )
    kept: list[bytes] = []
    for number, line in enumerate(lines, start=1):
        recorded = _record_iteration(line)
        if recorded is None:
            raise RunError(
                f"{path}: line {number} is not a metrics record; repair the file, or {FRESH_HINT}"
            )
        if recorded <= iteration:
            kept.append(line + b"\n")
    if partial or len(kept) != len(lines):
        atomic_write_bytes(path, b"".join(kept))
