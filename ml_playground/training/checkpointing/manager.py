"""Checkpoint files: atomic writes, rotation by kind, and loading that can never execute code.

Names are ``last_<iteration>.pt`` and ``best_<iteration>.pt``. A best checkpoint is only written
when validation loss improved, so the newest best file is always the best one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from ml_playground.core.atomic_files import atomic_write
from ml_playground.core.errors import CheckpointError

Kind = Literal["last", "best"]
ReadPolicy = Literal["best", "latest"]
_NAME = re.compile(r"^(last|best)_(\d{8})\.pt$")


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
    ) -> None:
        self.directory = directory
        self.keep = {"last": keep_last, "best": keep_best}
        self.warn = warn

    def files(self, kind: Kind) -> list[CheckpointFile]:
        """Checkpoints of one kind, newest first."""
        if not self.directory.is_dir():
            return []
        found: list[CheckpointFile] = []
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            if match and match.group(1) == kind:
                found.append(CheckpointFile(path, kind, int(match.group(2))))
        return sorted(found, key=lambda f: f.iteration, reverse=True)

    def save(self, state: Mapping[str, Any], iteration: int, *, best: bool) -> Path:
        """Write the last checkpoint (and a best one when ``best``), then rotate old files."""
        self.directory.mkdir(parents=True, exist_ok=True)
        last = self.directory / f"last_{iteration:08d}.pt"
        atomic_torch_save(state, last)
        if best:
            atomic_torch_save(state, self.directory / f"best_{iteration:08d}.pt")
        for kind in ("last", "best"):
            for stale in self.files(kind)[self.keep[kind] :]:
                stale.path.unlink(missing_ok=True)
        return last

    def candidates(self, policy: ReadPolicy) -> list[CheckpointFile]:
        """Files to try in order: the policy's kind first, the other kind as fallback."""
        last, best = self.files("last"), self.files("best")
        return best + last if policy == "best" else last + best

    def load(self, policy: ReadPolicy) -> LoadedCheckpoint:
        """The first readable checkpoint per ``policy``; unreadable ones are reported, skipped."""
        tried: list[str] = []
        for file in self.candidates(policy):
            try:
                state = read_checkpoint(file.path)
            except CheckpointError as exc:
                tried.append(file.path.name)
                self.warn(f"warning: {exc}; trying the previous checkpoint")
                continue
            return LoadedCheckpoint(file, state)
        if tried:
            raise CheckpointError(
                f"no readable checkpoint in {self.directory} (unreadable: {', '.join(tried)})"
            )
        raise CheckpointError(f"no checkpoint in {self.directory}; run `ml-playground train` first")

    def latest_for_resume(self) -> LoadedCheckpoint | None:
        """The newest readable last checkpoint, or None when training starts from scratch."""
        if not self.files("last"):
            return None
        loaded = self.load("latest")
        return loaded if loaded.file.kind == "last" else None


def read_checkpoint(path: Path) -> dict[str, Any]:
    """Load with ``weights_only=True``: tensors and plain containers only, never code."""
    try:
        state: object = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            f"checkpoint {path} is truncated, corrupt or not a checkpoint ({reason})"
        ) from None
    if not isinstance(state, dict) or "model" not in state:
        raise CheckpointError(f"checkpoint {path} has no model weights")
    return state  # pyright: ignore[reportUnknownVariableType]


def atomic_torch_save(state: Mapping[str, Any], path: Path) -> None:
    atomic_write(path, lambda handle: torch.save(dict(state), handle))
