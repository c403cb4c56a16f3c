"""Device choice and mixed precision; the only place that asks which accelerator exists."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from ml_playground.core.errors import UsageError

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(
    requested: str,
    *,
    cuda_available: Callable[[], bool] = torch.cuda.is_available,
    mps_available: Callable[[], bool] = torch.backends.mps.is_available,
) -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an explicit device must exist."""
    available = {"cuda": cuda_available(), "mps": mps_available(), "cpu": True}
    if requested == "auto":
        return torch.device(next(name for name in ("cuda", "mps", "cpu") if available[name]))
    if not available.get(requested, False):
        raise UsageError(f"device {requested!r} is not available on this machine; use auto or cpu")
    return torch.device(requested)


def autocast_for(device: torch.device, dtype: str) -> Callable[[], AbstractContextManager[object]]:
    """A factory of autocast contexts; plain float32 (and anything on mps) runs without one."""
    if dtype == "float32" or device.type == "mps":
        return contextlib.nullcontext
    if device.type == "cpu" and dtype == "float16":
        raise UsageError("dtype float16 needs a cuda device; use bfloat16 or float32 on cpu")
    torch_dtype = _DTYPES[dtype]
    return lambda: torch.autocast(device_type=device.type, dtype=torch_dtype)


def memory_bytes(device: torch.device) -> int | None:
    """The memory ``device`` has in all (the machine's for cpu), or None where unknown."""
    if device.type == "cuda":
        _free, total = torch.cuda.mem_get_info(device)
        return total
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows) or no such name
        return None
