"""Tests that kill surviving mutants of ml_playground/training/ema.py (see
docs/testing/mutation.md): the edge of the decay range and loading saved averages that still
carry autograd history."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ml_playground.training.ema import ExponentialMovingAverage

pytestmark = pytest.mark.unit


def linear(value: float) -> nn.Linear:
    layer = nn.Linear(3, 2)
    with torch.no_grad():
        for parameter in layer.parameters():
            parameter.fill_(value)
    return layer


def test_a_decay_of_zero_is_allowed_and_tracks_the_model_exactly() -> None:
    model = linear(1.0)
    ema = ExponentialMovingAverage(model, decay=0.0)
    with torch.no_grad():
        model.weight.fill_(5.0)
    ema.update(model)
    assert torch.equal(ema.state_dict()["weight"], torch.full((2, 3), 5.0))
    assert torch.equal(ema.state_dict()["bias"], torch.full((2,), 1.0))


def test_loading_averages_that_require_grad_records_no_autograd_history() -> None:
    ema = ExponentialMovingAverage(linear(1.0), decay=0.5)
    saved = {
        name: torch.full_like(shadow, 2.0, requires_grad=True)
        for name, shadow in ema.state_dict().items()
    }
    ema.load_state_dict(saved)
    for shadow in ema.state_dict().values():
        assert torch.equal(shadow, torch.full_like(shadow, 2.0))
        assert not shadow.requires_grad
        assert shadow.grad_fn is None
