"""Restoring a model from a loaded checkpoint: its weights, its averages and the run's check."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from ml_playground.configuration.models import ModelConfig
from ml_playground.core.text_tokenizers import CharTokenizer
from ml_playground.models.gpt import GPT
from ml_playground.training.checkpointing.contents import CheckpointInfo, self_description
from ml_playground.training.checkpointing.manager import CheckpointFile, LoadedCheckpoint
from ml_playground.training.checkpointing.restore import (
    SAMPLING_EMA_DECAY,
    RestoredModel,
    restore_model,
)
from ml_playground.training.ema import ExponentialMovingAverage

pytestmark = pytest.mark.unit

PATH = Path("/runs/x/checkpoints/last_00000004.pt")
MODEL = ModelConfig(n_layer=1, n_head=2, n_embd=8, block_size=4, dropout=0.0, bias=False)
TOKENIZER = CharTokenizer("abc")
CPU = torch.device("cpu")


def loaded_checkpoint(*, with_ema: bool) -> tuple[LoadedCheckpoint, GPT]:
    """A checkpoint of a seeded GPT; its averages (when saved) are the weights plus one."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = GPT(MODEL, TOKENIZER.vocab_size)
    state: dict[str, Any] = {
        **self_description(MODEL, TOKENIZER, "f" * 64),
        "iteration": 4,
        "best_val_loss": math.inf,
        "model": model.state_dict(),
    }
    if with_ema:
        ema = ExponentialMovingAverage(model, 0.5)
        state["ema"] = {name: shadow + 1.0 for name, shadow in ema.state_dict().items()}
    return LoadedCheckpoint(CheckpointFile(PATH, "last", 4), state), model


def tokenizer_of(info: CheckpointInfo, path: Path) -> tuple[int, Path]:
    return info.vocab_size, path


def test_a_model_comes_back_with_its_weights_and_what_the_check_returned() -> None:
    loaded, original = loaded_checkpoint(with_ema=False)
    restored = restore_model(loaded, CPU, tokenizer_of)
    assert restored.checked == (3, PATH)
    assert (restored.path, restored.ema, restored.info.iteration) == (PATH, None, 4)
    weights = restored.model.state_dict()
    assert all(torch.equal(weights[k], v) for k, v in original.state_dict().items())


def test_saved_averages_come_back_with_the_sampling_decay_by_default() -> None:
    loaded, original = loaded_checkpoint(with_ema=True)
    restored = restore_model(loaded, CPU, tokenizer_of)
    assert SAMPLING_EMA_DECAY == 0.999
    assert restored.ema is not None
    assert restored.ema.decay == 0.999
    averaged = restored.ema.state_dict()
    wte = original.state_dict()["wte.weight"]
    assert torch.equal(averaged["wte.weight"], wte + 1.0)


def test_saved_averages_come_back_with_the_run_s_decay() -> None:
    loaded, _ = loaded_checkpoint(with_ema=True)
    restored = restore_model(loaded, CPU, tokenizer_of, ema_decay=0.9)
    assert restored.ema is not None
    assert restored.ema.decay == 0.9


def test_the_run_s_model_settings_build_the_model() -> None:
    loaded, _ = loaded_checkpoint(with_ema=False)
    run_model = dataclasses.replace(MODEL, dropout=0.25)
    restored = restore_model(loaded, CPU, tokenizer_of, model_config=run_model)
    assert restored.model.config == run_model
    assert restored.info.model_config == MODEL


def test_the_options_are_keyword_only_and_the_result_is_immutable() -> None:
    loaded, _ = loaded_checkpoint(with_ema=False)
    with pytest.raises(TypeError, match="positional argument"):
        restore_model(loaded, CPU, tokenizer_of, MODEL)  # type: ignore[misc]
    restored: RestoredModel[tuple[int, Path]] = restore_model(
        loaded=loaded, device=CPU, check=tokenizer_of
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        restored.path = Path("other.pt")  # type: ignore[misc]
