"""Progress output: plain log lines, or one status line rewritten on a terminal."""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import pytest

from ml_playground.training.progress import ProgressReporter, format_duration, startup_summary

pytestmark = pytest.mark.unit


class FakeClock:
    """A clock the test advances by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00"), (59.6, "01:00"), (61, "01:01"), (3725, "1:02:05"), (-5.0, "00:00")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_plain_lines_when_not_on_a_terminal() -> None:
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(stream, total_iters=100, interactive=False, clock=clock)
    reporter.begin(0)
    clock.now += 10.0
    reporter.step(10, 2.5, 1e-3, 768.0)
    reporter.message("eval done")
    assert stream.getvalue() == (
        "iter 10/100 loss 2.5000 lr 1.00e-03 768 tok/s eta 01:30\neval done\n"
    )


def test_terminal_status_line_is_rewritten_and_cleared_for_messages() -> None:
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(stream, total_iters=4, interactive=True, clock=clock)
    reporter.begin(2)
    clock.now += 1.0
    reporter.step(3, 1.0, 0.5, 10.0)
    reporter.message("saved")
    reporter.step(4, 0.5, 0.5, 10.0)
    reporter.close()
    out = stream.getvalue()
    assert out.startswith("\riter 3/4 loss 1.0000 lr 5.00e-01 10 tok/s eta 00:01")
    assert "\r" + " " * 79 + "\rsaved\n" in out
    assert out.endswith(
        "eta 00:00".ljust(79 - len("iter 4/4 loss 0.5000 lr 5.00e-01 10 tok/s ")) + "\n"
    )


def test_the_startup_summary_names_device_size_data_and_checkpoints() -> None:
    line = startup_summary("cpu", "float32", 824_960, 768, (902_341, 100_260), Path("out/c"))
    assert line == (
        "device cpu (float32), 824,960 parameters, 768 tokens per iteration,"
        " data 902,341 train + 100,260 val tokens, checkpoints in out/c"
    )
    assert "12,345,678 parameters, 16,384 tokens" in startup_summary(
        "cuda:0", "bfloat16", 12_345_678, 16_384, (1, 1), Path("x")
    )


def test_the_reporter_is_built_from_its_stream_total_mode_and_clock_only() -> None:
    assert list(inspect.signature(ProgressReporter).parameters) == [
        "stream",
        "total_iters",
        "interactive",
        "clock",
    ]


def test_without_begin_the_eta_counts_from_iteration_zero() -> None:
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(stream, total_iters=100, interactive=False, clock=clock)
    clock.now += 10.0
    reporter.step(10, 2.5, 1e-3, 768.0)
    assert stream.getvalue().endswith(" eta 01:30\n")


def test_a_step_at_the_iteration_begun_from_has_no_eta_yet() -> None:
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(stream, total_iters=100, interactive=False, clock=clock)
    reporter.begin(40)
    clock.now += 3.0
    reporter.step(40, 2.5, 1e-3, 768.0)
    assert stream.getvalue() == "iter 40/100 loss 2.5000 lr 1.00e-03 768 tok/s eta 00:00\n"


def test_the_status_line_is_cleared_once_for_several_messages() -> None:
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(stream, total_iters=4, interactive=True, clock=clock)
    reporter.begin(0)
    clock.now += 1.0
    reporter.step(1, 1.0, 0.5, 10.0)
    reporter.message("first")
    reporter.message("second")
    reporter.close()
    status = "iter 1/4 loss 1.0000 lr 5.00e-01 10 tok/s eta 00:03"
    assert stream.getvalue() == "\r" + status.ljust(79) + "\r" + " " * 79 + "\rfirst\nsecond\n"
