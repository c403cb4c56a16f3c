from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml_playground.configuration.models import ScheduleConfig
from ml_playground.training.optimizer import learning_rate_at

pytestmark = pytest.mark.property


@st.composite
def schedules(draw: st.DrawFn) -> tuple[float, ScheduleConfig]:
    learning_rate = draw(st.floats(1e-6, 1.0, allow_nan=False, allow_infinity=False))
    min_fraction = draw(st.floats(0.0, 1.0, allow_nan=False))
    warmup = draw(st.integers(0, 300))
    decay_end = draw(st.integers(max(warmup, 1), warmup + 2000))
    schedule = ScheduleConfig(
        decay_lr=True,
        warmup_iters=warmup,
        lr_decay_iters=decay_end,
        min_lr=learning_rate * min_fraction,
    )
    return learning_rate, schedule


@given(schedules(), st.data())
def test_bounded_after_warmup(case: tuple[float, ScheduleConfig], data: st.DataObject) -> None:
    learning_rate, schedule = case
    iteration = data.draw(st.integers(schedule.warmup_iters, schedule.lr_decay_iters + 100))
    lr = learning_rate_at(iteration, learning_rate, schedule)
    assert schedule.min_lr <= lr <= learning_rate


@given(schedules(), st.data())
def test_warmup_is_non_decreasing_and_positive(
    case: tuple[float, ScheduleConfig], data: st.DataObject
) -> None:
    learning_rate, schedule = case
    # the warmup ends at ``lr`` at W, unless a zero-length decay already puts W at min_lr
    last = schedule.warmup_iters - (schedule.warmup_iters == schedule.lr_decay_iters)
    iteration = data.draw(st.integers(0, max(last, 0)))
    lr = learning_rate_at(iteration, learning_rate, schedule)
    assert 0.0 < lr <= learning_rate
    if iteration > 0:
        assert learning_rate_at(iteration - 1, learning_rate, schedule) <= lr


@given(schedules(), st.data())
def test_decay_is_non_increasing(case: tuple[float, ScheduleConfig], data: st.DataObject) -> None:
    learning_rate, schedule = case
    iteration = data.draw(st.integers(schedule.warmup_iters, schedule.lr_decay_iters + 10))
    assert learning_rate_at(iteration + 1, learning_rate, schedule) <= learning_rate_at(
        iteration, learning_rate, schedule
    )


@given(schedules())
def test_whole_schedule_rises_then_falls(case: tuple[float, ScheduleConfig]) -> None:
    learning_rate, schedule = case
    values = [
        learning_rate_at(i, learning_rate, schedule) for i in range(schedule.lr_decay_iters + 3)
    ]
    warmup = schedule.warmup_iters
    peak = warmup if warmup < schedule.lr_decay_iters else warmup - 1
    assert all(a <= b for a, b in itertools.pairwise(values[: peak + 1]))
    assert all(a >= b for a, b in itertools.pairwise(values[warmup:]))
    assert max(values) <= learning_rate
    if peak == warmup:
        assert values[peak] == learning_rate


@given(schedules())
def test_boundary_values_are_exact(case: tuple[float, ScheduleConfig]) -> None:
    learning_rate, schedule = case
    warmup, decay_end = schedule.warmup_iters, schedule.lr_decay_iters
    if warmup < decay_end:
        assert learning_rate_at(warmup, learning_rate, schedule) == learning_rate
    assert learning_rate_at(decay_end, learning_rate, schedule) == schedule.min_lr
    assert learning_rate_at(decay_end + 1, learning_rate, schedule) == schedule.min_lr
    if warmup > 0:
        first = learning_rate_at(0, learning_rate, schedule)
        assert first == pytest.approx(learning_rate / (warmup + 1), rel=1e-12)
        assert learning_rate_at(warmup - 1, learning_rate, schedule) == pytest.approx(
            learning_rate * warmup / (warmup + 1), rel=1e-12
        )


@given(schedules(), st.integers(0, 10_000))
def test_constant_without_decay(case: tuple[float, ScheduleConfig], iteration: int) -> None:
    learning_rate, schedule = case
    constant = ScheduleConfig(
        decay_lr=False,
        warmup_iters=schedule.warmup_iters,
        lr_decay_iters=schedule.lr_decay_iters,
        min_lr=schedule.min_lr,
    )
    assert learning_rate_at(iteration, learning_rate, constant) == learning_rate


def test_reference_schedule_values() -> None:
    schedule = ScheduleConfig(decay_lr=True, warmup_iters=100, lr_decay_iters=500, min_lr=1e-4)
    assert learning_rate_at(0, 1e-3, schedule) == pytest.approx(1e-3 / 101)
    assert learning_rate_at(99, 1e-3, schedule) == pytest.approx(1e-3 * 100 / 101)
    assert learning_rate_at(100, 1e-3, schedule) == 1e-3
    assert learning_rate_at(300, 1e-3, schedule) == pytest.approx(5.5e-4)
    expected = 1e-4 + 0.5 * (1 + math.cos(math.pi * 0.25)) * 9e-4
    assert learning_rate_at(200, 1e-3, schedule) == pytest.approx(expected)
    assert learning_rate_at(500, 1e-3, schedule) == 1e-4
    assert learning_rate_at(10_000, 1e-3, schedule) == 1e-4


def test_zero_length_decay_drops_straight_to_the_floor() -> None:
    schedule = ScheduleConfig(decay_lr=True, warmup_iters=5, lr_decay_iters=5, min_lr=1e-4)
    assert learning_rate_at(4, 1e-3, schedule) == pytest.approx(1e-3 * 5 / 6)
    assert learning_rate_at(5, 1e-3, schedule) == 1e-4


def test_negative_iteration_is_rejected() -> None:
    schedule = ScheduleConfig(decay_lr=True, warmup_iters=5, lr_decay_iters=50, min_lr=1e-4)
    with pytest.raises(ValueError, match="iteration must be non-negative, got -1"):
        learning_rate_at(-1, 1e-3, schedule)
