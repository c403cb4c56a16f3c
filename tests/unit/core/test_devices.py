"""Device choice, mixed precision and the memory a device has."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

import pytest
import torch

from ml_playground.core.devices import autocast_for, memory_bytes, resolve_device
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


def test_an_unknown_device_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        resolve_device("tpu", cuda_available=yes, mps_available=yes)
    assert str(raised.value) == "device 'tpu' is not available on this machine; use auto or cpu"


def test_the_availability_checks_are_keyword_only() -> None:
    with pytest.raises(TypeError, match="positional argument"):
        resolve_device("cpu", no, no)  # type: ignore[misc]
    assert resolve_device(requested="cpu", cuda_available=no, mps_available=no).type == "cpu"


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


def test_the_memory_of_the_cpu_is_the_machine_s() -> None:
    expected = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert memory_bytes(torch.device("cpu")) == expected > 0


def test_the_memory_is_unknown_without_sysconf(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on Windows, whose ``os`` has no ``sysconf``."""
    monkeypatch.delattr(os, "sysconf")
    assert memory_bytes(torch.device("cpu")) is None
