"""Random training windows drawn from a token array with an explicit generator."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from ml_playground.core.errors import DataError


def sample_batch(
    data: npt.NDArray[np.integer[Any]],
    block_size: int,
    batch_size: int,
    generator: torch.Generator,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` rows of ``block_size`` tokens (int64) and the same rows shifted by one.

    Rows start at offsets drawn from ``generator``. A corpus with no more than ``block_size``
    tokens is read cyclically, so it still yields full rows: each row wraps around its end.
    """
    n_tokens = len(data)
    if n_tokens < 2:
        raise DataError(
            f"cannot sample batches from {n_tokens} token(s): at least 2 are needed for one"
            " (input, target) pair"
        )
    if n_tokens > block_size:
        starts = torch.randint(n_tokens - block_size, (batch_size,), generator=generator)
    else:
        starts = torch.randint(n_tokens, (batch_size,), generator=generator)
    positions = starts.numpy()[:, None] + np.arange(block_size + 1)
    windows = torch.as_tensor(data[positions % n_tokens].astype(np.int64))
    # Equivalent: non_blocking only matters for CUDA; tests run on the CPU.
    non_blocking = device.type == "cuda"  # pragma: no mutate
    x = windows[:, :-1].contiguous().to(device, non_blocking=non_blocking)
    y = windows[:, 1:].contiguous().to(device, non_blocking=non_blocking)
    return x, y
