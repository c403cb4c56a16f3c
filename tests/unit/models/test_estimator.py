from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType

import pytest
import torch
from torch import Tensor, nn

from ml_playground.configuration.models import ModelConfig
from ml_playground.models.estimator import estimate_loss
from ml_playground.models.gpt import GPT

pytestmark = pytest.mark.unit

GPTFactory = Callable[..., GPT]
ConfigFactory = Callable[..., ModelConfig]


class FixedBatches:
    """Cycles through a fixed list of batches per split, so every estimate sees the same data."""

    def __init__(self, splits: dict[str, int], per_split: int = 3) -> None:
        self.batches: dict[str, list[tuple[Tensor, Tensor]]] = {}
        for split, seed in splits.items():
            data = torch.randint(
                0, 11, (per_split, 2, 9), generator=torch.Generator().manual_seed(seed)
            )
            self.batches[split] = [(d[:, :-1], d[:, 1:]) for d in data]
        self.position = dict.fromkeys(splits, 0)
        self.requested: list[str] = []

    def __call__(self, split: str) -> tuple[Tensor, Tensor]:
        self.requested.append(split)
        batches = self.batches[split]
        batch = batches[self.position[split] % len(batches)]
        self.position[split] += 1
        return batch


class CountingContext(AbstractContextManager[None]):
    def __init__(self) -> None:
        self.entered = 0
        self.exited = 0

    def __enter__(self) -> None:
        self.entered += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.exited += 1


def manual_mean(model: GPT, batches: list[tuple[Tensor, Tensor]]) -> float:
    model.eval()
    with torch.no_grad():
        losses = [model(x, y)[1] for x, y in batches]
    return sum(float(loss) for loss in losses if loss is not None) / len(batches)


def test_mean_loss_per_split(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    batches = FixedBatches({"train": 1, "val": 2})
    expected = {split: manual_mean(model, batches.batches[split]) for split in ("train", "val")}
    model.train()
    result = estimate_loss(model, batches, eval_iters=3)
    assert result.keys() == {"train", "val"}
    for split in ("train", "val"):
        assert result[split] == pytest.approx(expected[split], rel=1e-6)
    assert batches.requested == ["train"] * 3 + ["val"] * 3
    assert result["train"] != result["val"]
    assert all(p.grad is None for p in model.parameters())


def test_custom_splits_and_iteration_count(make_gpt: GPTFactory) -> None:
    batches = FixedBatches({"val": 2}, per_split=2)
    result = estimate_loss(make_gpt(), batches, eval_iters=4, splits=("val",))
    assert list(result) == ["val"]
    assert batches.requested == ["val"] * 4
    assert math.isfinite(result["val"])


def test_dropout_is_off_during_the_estimate(
    make_gpt: GPTFactory, tiny_config: ConfigFactory
) -> None:
    model = make_gpt(tiny_config(dropout=0.5))
    model.train()
    first = estimate_loss(model, FixedBatches({"val": 2}), 3, splits=("val",))
    second = estimate_loss(model, FixedBatches({"val": 2}), 3, splits=("val",))
    assert first == second


@pytest.mark.parametrize("training", [True, False])
def test_previous_mode_is_restored(make_gpt: GPTFactory, training: bool) -> None:
    model = make_gpt()
    model.train(training)
    estimate_loss(model, FixedBatches({"train": 1, "val": 2}), 1)
    assert all(module.training is training for module in model.modules())


def test_mixed_submodule_modes_are_restored(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    model.train()
    model.blocks[0].eval()
    estimate_loss(model, FixedBatches({"train": 1, "val": 2}), 1)
    assert model.training
    assert not model.blocks[0].training
    assert model.blocks[1].training


def test_mode_is_restored_when_a_batch_fails(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    model.train()
    with pytest.raises(KeyError, match="test"):
        estimate_loss(model, FixedBatches({"train": 1}), 2, splits=("train", "test"))
    assert all(module.training for module in model.modules())


def test_context_instance_is_entered_once(make_gpt: GPTFactory) -> None:
    context = CountingContext()
    estimate_loss(make_gpt(), FixedBatches({"train": 1, "val": 2}), 3, autocast=context)
    assert (context.entered, context.exited) == (1, 1)


def test_context_factory_is_called_per_forward_pass(make_gpt: GPTFactory) -> None:
    contexts: list[CountingContext] = []

    def factory() -> CountingContext:
        contexts.append(CountingContext())
        return contexts[-1]

    estimate_loss(make_gpt(), FixedBatches({"train": 1, "val": 2}), 3, autocast=factory)
    assert len(contexts) == 6
    assert all((c.entered, c.exited) == (1, 1) for c in contexts)


def test_real_cpu_autocast_gives_a_close_estimate(make_gpt: GPTFactory) -> None:
    model = make_gpt()
    plain = estimate_loss(model, FixedBatches({"val": 2}), 3, splits=("val",))
    mixed = estimate_loss(
        model,
        FixedBatches({"val": 2}),
        3,
        splits=("val",),
        autocast=lambda: torch.autocast("cpu", dtype=torch.bfloat16),
    )
    assert mixed["val"] == pytest.approx(plain["val"], abs=0.05)
    assert mixed["val"] != plain["val"]


class NoLossModel(nn.Module):
    def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, None]:
        return x.float(), None


def test_a_model_without_loss_is_an_error() -> None:
    with pytest.raises(ValueError, match="no loss"):
        estimate_loss(NoLossModel(), FixedBatches({"train": 1}), 1, splits=("train",))


def test_eval_iters_must_be_positive(make_gpt: GPTFactory) -> None:
    with pytest.raises(ValueError, match="eval_iters must be at least 1, got 0"):
        estimate_loss(make_gpt(), FixedBatches({"train": 1}), 0, autocast=nullcontext())
