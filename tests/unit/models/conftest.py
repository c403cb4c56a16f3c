"""Tiny GPT models for the model tests, built from a seed without touching global RNG state."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import torch

from ml_playground.configuration.models import ModelConfig
from ml_playground.models.gpt import GPT

GPTFactory = Callable[..., GPT]


def _config(*, bias: bool = True, dropout: float = 0.0, n_layer: int = 2) -> ModelConfig:
    return ModelConfig(
        n_layer=n_layer, n_head=2, n_embd=16, block_size=8, dropout=dropout, bias=bias
    )


def _gpt(config: ModelConfig | None = None, vocab_size: int = 11, seed: int = 0) -> GPT:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GPT(config if config is not None else _config(), vocab_size)


@pytest.fixture(autouse=True, scope="module")
def single_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from a second intra-op thread, and every parallel region stalls
    while the other core is busy (seen: ~100x slower with the machine under load)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def tiny_config() -> Callable[..., ModelConfig]:
    """``tiny_config(bias=..., dropout=..., n_layer=...)``: n_embd 16, 2 heads, block 8."""
    return _config


@pytest.fixture
def make_gpt() -> GPTFactory:
    """``make_gpt(config=None, vocab_size=11, seed=0)``: a GPT initialised from ``seed``."""
    return _gpt


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-token targets, shape (3, 8), over a vocabulary of 11."""
    data = torch.randint(0, 11, (3, 9), generator=torch.Generator().manual_seed(1))
    return data[:, :-1], data[:, 1:]
