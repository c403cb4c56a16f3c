"""Sampling tests run tiny models one token at a time: one intra-op thread is fastest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def single_torch_thread() -> Iterator[None]:
    """Tiny per-token ops gain nothing from a second thread but stall whenever the other core is
    busy (each parallel region waits for a descheduled worker): ~100x slower under load."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
