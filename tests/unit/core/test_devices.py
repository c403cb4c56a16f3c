from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
import torch

from ml_playground.core.devices import autocast_for, resolve_device
from ml_playground.core.errors import UsageError

pytestmark = pytest.mark.unit


def yes() -> bool:
    return True


def no() -> bool:
    return False


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(yes, yes, "cuda"), (no, yes, "mps"), (no, no, "cpu")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(
    cuda: Callable[[], bool], mps: Callable[[], bool], expected: str
) -> None:
    assert resolve_device("auto", cuda_available=cuda, mps_available=mps).type == expected


def test_an_unavailable_device_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="device 'cuda' is not available"):
        resolve_device("cuda", cuda_available=no, mps_available=no)
    assert resolve_device("cpu", cuda_available=no, mps_available=no) == torch.device("cpu")


def test_float32_runs_without_autocast() -> None:
    assert autocast_for(torch.device("cpu"), "float32") is contextlib.nullcontext


def test_bfloat16_on_cpu_autocasts_matmuls() -> None:
    factory = autocast_for(torch.device("cpu"), "bfloat16")
    with factory():
        out = torch.ones(2, 2) @ torch.ones(2, 2)
    assert out.dtype == torch.bfloat16


def test_float16_on_cpu_is_refused() -> None:
    with pytest.raises(UsageError, match="float16 needs a cuda device"):
        autocast_for(torch.device("cpu"), "float16")
