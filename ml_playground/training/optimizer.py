"""AdamW with weight decay restricted to matrices (embeddings and linear weights), and its
learning-rate schedule: linear warmup, cosine decay, then a floor."""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from ml_playground.configuration.models import OptimConfig, ScheduleConfig

# Device types with a fused AdamW kernel. CPU is included on purpose: on the 2-core reference
# machine fused beat foreach in every comparison (reference model, interleaved runs: 41.4 vs
# 42.8 ms/iteration with 2 threads, 56 vs 66 ms with 1).
_FUSED_DEVICE_TYPES = frozenset({"cuda", "cpu", "mps", "xpu"})


def fused_adamw_available(device_type: str) -> bool:
    """Whether this torch's AdamW accepts ``fused`` and has a kernel for ``device_type``."""
    return (
        "fused" in inspect.signature(torch.optim.AdamW).parameters
        and device_type in _FUSED_DEVICE_TYPES
    )


def build_optimizer(model: nn.Module, optim: OptimConfig, device_type: str) -> torch.optim.AdamW:
    """AdamW whose first group (tensors of rank >= 2) decays and second (biases, norms) does not.

    Tied parameters appear once. Parameters with ``requires_grad`` false are left out.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups: list[dict[str, object]] = [
        {"params": decay, "weight_decay": optim.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = fused_adamw_available(device_type)
    return torch.optim.AdamW(
        groups,
        lr=optim.learning_rate,
        betas=(optim.beta1, optim.beta2),
        fused=fused or None,
        foreach=None if fused else True,
    )


def learning_rate_at(iteration: int, learning_rate: float, schedule: ScheduleConfig) -> float:
    """Learning rate for ``iteration`` (0-based), with ``lr`` = ``learning_rate``.

    With ``W = warmup_iters``, ``D = lr_decay_iters`` and ``m = min_lr``:

    - ``decay_lr`` false: ``lr`` for every iteration;
    - ``it < W``: ``lr * (it + 1) / (W + 1)`` (never 0, so the first step already moves);
    - ``it >= D``: ``m``;
    - ``W <= it < D``: ``m + 0.5 * (1 + cos(pi * (it - W) / (D - W))) * (lr - m)``.

    The warmup formula extended to ``it = W`` gives exactly ``lr``, where the cosine starts, and
    the cosine ends at ``m`` at ``it = D``; both boundary values are returned exactly (no
    rounding). When ``W == D`` the decay takes no time and ``it = W`` already gets ``m``. The
    cosine value is clamped to ``[m, lr]`` so that rounding can never leave that interval.
    """
    if iteration < 0:
        raise ValueError(f"iteration must be non-negative, got {iteration}")
    if not schedule.decay_lr:
        return learning_rate
    warmup, decay_end, min_lr = schedule.warmup_iters, schedule.lr_decay_iters, schedule.min_lr
    if iteration < warmup:
        return min(learning_rate, learning_rate * (iteration + 1) / (warmup + 1))
    if iteration >= decay_end:
        return min_lr
    if iteration == warmup:
        return learning_rate
    progress = (iteration - warmup) / (decay_end - warmup)
    coefficient = 0.5 * (1.0 + math.cos(math.pi * progress))
    return max(min_lr, min(learning_rate, min_lr + coefficient * (learning_rate - min_lr)))
