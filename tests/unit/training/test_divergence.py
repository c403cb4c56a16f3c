"""Evaluated losses are checked before their checkpoint is written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ml_playground.core.errors import RunError
from ml_playground.training.trainer import check_finite_losses

pytestmark = pytest.mark.unit


def test_finite_losses_pass() -> None:
    check_finite_losses({"train": 2.5, "val": 2.7}, 10, None)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_non_finite_evaluation_stops_the_run_naming_the_last_good_checkpoint(bad: float) -> None:
    last = Path("/run/checkpoints/last_00000005.pt")
    with pytest.raises(RunError) as raised:
        check_finite_losses({"train": 2.5, "val": bad}, 10, last)
    assert str(raised.value) == (
        f"training diverged at iteration 10 (loss {bad}): stopped without saving; the last good"
        f" checkpoint is {last}. A lower train.optim.learning_rate may help"
    )
