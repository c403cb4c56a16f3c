"""Learning-rate schedule: linear warmup, cosine decay, then a floor."""

from __future__ import annotations

import math

from ml_playground.configuration.models import ScheduleConfig


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
