"""The one way a model comes back from a checkpoint, for ``train``, ``--eval-only`` and
``sample``: describe it → check it fits the run → build the GPT → load its weights → its EMA."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import torch

from ml_playground.configuration.models import ModelConfig
from ml_playground.data_pipeline.dataset_files import DatasetMeta
from ml_playground.models.gpt import GPT
from ml_playground.training.checkpointing.contents import (
    CheckpointInfo,
    check_resumable,
    describe,
    restore,
)
from ml_playground.training.checkpointing.manager import LoadedCheckpoint
from ml_playground.training.ema import ExponentialMovingAverage

T = TypeVar("T")
SAMPLING_EMA_DECAY = 0.999
"""Any valid decay: only the saved averages are used when nothing trains on."""


@dataclass(frozen=True)
class RestoredModel(Generic[T]):
    model: GPT
    ema: ExponentialMovingAverage | None
    """The saved weight averages; None when the checkpoint has none."""
    info: CheckpointInfo
    path: Path
    checked: T
    """What ``check`` returned."""


def restore_model(
    loaded: LoadedCheckpoint,
    device: torch.device,
    check: Callable[[CheckpointInfo, Path], T],
    *,
    model_config: ModelConfig | None = None,
    ema_decay: float = 0.0,
) -> RestoredModel[T]:
    """``check`` refuses a checkpoint that does not fit the run before any weight is loaded.
    ``model_config`` (the run's, dropout included) builds the GPT, else the checkpoint's own
    settings do."""
    state, path = loaded.state, loaded.file.path
    info = describe(state, path)
    checked = check(info, path)
    model = GPT(model_config or info.model_config, info.vocab_size).to(device)
    restore(model, state, "model", path)
    ema = None
    if state.get("ema"):
        ema = ExponentialMovingAverage(model, ema_decay or SAMPLING_EMA_DECAY)
        restore(ema, state, "ema", path)
    return RestoredModel(model, ema, info, path, checked)


def fits_the_run(
    model_config: ModelConfig, meta: DatasetMeta, data_dir: Path, warn: Callable[[str], None]
) -> Callable[[CheckpointInfo, Path], None]:
    """The check of ``train`` and ``--eval-only``: the run's model, on the prepared data."""

    def check(info: CheckpointInfo, path: Path) -> None:
        check_resumable(info, path, model_config, meta, data_dir, warn)

    return check
