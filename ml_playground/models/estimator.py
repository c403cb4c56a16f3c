"""Mean loss of a model over freshly drawn evaluation batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import cast

import torch
from torch import Tensor, nn

AutocastFactory = Callable[[], AbstractContextManager[object]]


def estimate_loss(
    model: nn.Module,
    get_batch: Callable[[str], tuple[Tensor, Tensor]],
    eval_iters: int,
    splits: Sequence[str] = ("train", "val"),
    autocast: AbstractContextManager[object] | AutocastFactory | None = None,
) -> dict[str, float]:
    """Mean loss per split over ``eval_iters`` batches, without gradients and in eval mode.

    ``model(x, y)`` must return ``(logits, loss)``. ``autocast`` is either one context entered
    around the whole estimate or a factory called for each forward pass. Every submodule's
    train/eval mode is restored afterwards, also when a batch or forward pass raises.
    """
    if eval_iters < 1:
        raise ValueError(f"eval_iters must be at least 1, got {eval_iters}")
    outer: AbstractContextManager[object] = nullcontext()
    per_batch: AutocastFactory = nullcontext
    if isinstance(autocast, AbstractContextManager):
        outer = cast("AbstractContextManager[object]", autocast)
    elif autocast is not None:
        per_batch = autocast
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad(), outer:
            means: dict[str, float] = {}
            for split in splits:
                losses: list[Tensor] = []
                for _ in range(eval_iters):
                    x, y = get_batch(split)
                    with per_batch():
                        output = cast("tuple[Tensor, Tensor | None]", model(x, y))
                    loss = output[1]
                    if loss is None:
                        raise ValueError("model returned no loss although targets were given")
                    losses.append(loss.detach().float())
                means[split] = torch.stack(losses).mean().item()
            return means
    finally:
        for module, training in modes:
            module.training = training
