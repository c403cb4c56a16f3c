"""Checkpoint files: atomic writes, rotation by kind, and loading that can never execute code.

Names are ``last_<iteration>.pt`` and ``best_<iteration>.pt``. A best checkpoint is only written
when validation loss improved, so the newest best file is always the best one. A file that
turns out corrupt is renamed to ``<name>.unreadable`` (never deleted) and the previous one used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from ml_playground.configuration.models import ReadPolicy
from ml_playground.core.atomic_files import atomic_write
from ml_playground.core.errors import CheckpointError, UsageError

Kind = Literal["last", "best"]
_NAME = re.compile(r"^(last|best)_(\d{8,})\.pt$")
"""At least 8 digits: from iteration 100,000,000 on, names grow a digit."""
UNREADABLE_SUFFIX = ".unreadable"
KINDS: tuple[Kind, ...] = ("last", "best")


def checkpoint_file(path: Path) -> CheckpointFile | None:
    """The kind and iteration that ``path``'s name records; None for any other name."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    return CheckpointFile(path, "last" if match.group(1) == "last" else "best", int(match[2]))


class CorruptCheckpointError(CheckpointError):
    """The file was read but is not a checkpoint: truncated, damaged, foreign or unsafe."""


@dataclass(frozen=True)
class CheckpointFile:
    path: Path
    kind: Kind
    iteration: int


@dataclass(frozen=True)
class LoadedCheckpoint:
    file: CheckpointFile
    state: dict[str, Any]


class CheckpointManager:
    def __init__(
        self,
        directory: Path,
        *,
        keep_last: int,
        keep_best: int,
        warn: Callable[[str], None],
        move_unreadable: bool = True,
    ) -> None:
        """``move_unreadable=False`` reads without renaming: for those that never write."""
        self.directory = directory
        self.keep = {"last": keep_last, "best": keep_best}
        self.warn = warn
        self.move_unreadable = move_unreadable

    def files(self, kind: Kind) -> list[CheckpointFile]:
        """Checkpoints of one kind, newest first."""
        if not self.directory.is_dir():
            return []
        files = (checkpoint_file(path) for path in self.directory.iterdir())
        found = [file for file in files if file is not None and file.kind == kind]
        return sorted(found, key=lambda f: f.iteration, reverse=True)

    def save(self, state: Mapping[str, Any], iteration: int, *, best: bool) -> Path:
        """Write the last checkpoint (and a best one when ``best``), then rotate old files."""
        last = self.directory / f"last_{iteration:08d}.pt"
        target = self.directory
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = last
            atomic_torch_save(state, last)
            if best:
                target = self.directory / f"best_{iteration:08d}.pt"
                atomic_torch_save(state, target)
            for kind in KINDS:
                for stale in self.files(kind)[self.keep[kind] :]:
                    target = stale.path
                    # Equivalent: only another process could delete it in between.
                    stale.path.unlink(missing_ok=True)  # pragma: no mutate
        except OSError as exc:
            raise CheckpointError(f"cannot write {target}: {exc.strerror or exc}") from None
        except RuntimeError as exc:  # torch's own writer fails so when the disk fills up
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "write failed"
            raise CheckpointError(
                f"cannot write {target}: the disk is full or the file too large ({reason})"
            ) from None
        return last

    def candidates(self, policy: ReadPolicy) -> list[CheckpointFile]:
        """Files to try in order: the policy's kind first, the other kind as fallback."""
        last, best = self.files("last"), self.files("best")
        return best + last if policy == "best" else last + best

    def load(self, policy: ReadPolicy) -> LoadedCheckpoint:
        """The first readable checkpoint per ``policy``; unreadable ones are reported, skipped."""
        return self._first_readable(self.candidates(policy))

    def chosen(self, choice: str) -> LoadedCheckpoint:
        """``best`` or ``last``: the newest readable checkpoint of that kind (no fallback to the
        other kind); any other ``choice`` is the path of one checkpoint file."""
        if choice in KINDS:
            return self._first_readable(self.files("best" if choice == "best" else "last"))
        path = Path(choice)
        try:
            is_file = path.is_file()
        except OSError as exc:  # a name too long for the file system, for one
            raise UsageError(f"--from {choice}: cannot read {path} ({exc.strerror})") from None
        if not is_file:
            raise UsageError(
                f"--from {choice}: expected best, last or the path of a checkpoint file;"
                f" {path} is not a file"
            )
        file = checkpoint_file(path) or CheckpointFile(path, "last", 0)
        return LoadedCheckpoint(file, read_checkpoint(path))

    def latest_for_resume(self) -> LoadedCheckpoint | None:
        """The newest readable checkpoint of either kind (last before best at one iteration);
        None when there is none at all, a CheckpointError when none is readable."""
        newest_first = sorted(
            self.files("last") + self.files("best"),
            key=lambda f: (f.iteration, f.kind == "last"),
            reverse=True,
        )
        return self._first_readable(newest_first) if newest_first else None

    def _first_readable(self, files: list[CheckpointFile]) -> LoadedCheckpoint:
        tried: list[str] = []
        for file in files:
            try:
                state = read_checkpoint(file.path)
            except CheckpointError as exc:
                tried.append(file.path.name)
                moved = ""
                if isinstance(exc, CorruptCheckpointError) and self.move_unreadable:
                    moved = f"; moved aside to {move_aside(file.path).name}"
                self.warn(f"warning: {exc}{moved}; trying the previous checkpoint")
                continue
            return LoadedCheckpoint(file, state)
        if tried:
            raise CheckpointError(
                f"no readable checkpoint in {self.directory} (unreadable: {', '.join(tried)})"
            )
        raise CheckpointError(f"no checkpoint in {self.directory}; run `ml-playground train` first")


def move_aside(path: Path) -> Path:
    """Rename ``path`` to the first free ``<name>.unreadable[.N]``; where that fails, it stays."""
    target = path.with_name(path.name + UNREADABLE_SUFFIX)
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}{UNREADABLE_SUFFIX}.{number}")
    try:
        path.rename(target)
    except OSError:
        return path
    return target


def read_checkpoint(path: Path) -> dict[str, Any]:
    """Load with ``weights_only=True``: tensors and plain containers only, never code."""
    try:
        state: object = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path} ({exc.strerror or exc})") from None
    except Exception as exc:  # torch raises many types for truncated or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptCheckpointError(
            f"checkpoint {path} is truncated, corrupt or not a checkpoint ({reason})"
        ) from None
    if not isinstance(state, dict) or "model" not in state:
        raise CorruptCheckpointError(f"checkpoint {path} has no model weights")
    return state  # pyright: ignore[reportUnknownVariableType]


def atomic_torch_save(state: Mapping[str, Any], path: Path) -> None:
    atomic_write(path, lambda handle: torch.save(dict(state), handle))
