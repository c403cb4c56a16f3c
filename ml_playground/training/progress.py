"""Progress output: one rewritten status line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def startup_summary(
    device: str,
    dtype: str,
    parameters: int,
    tokens_per_iter: int,
    data_tokens: tuple[int, int],
    checkpoints: Path,
) -> str:
    """The one line a run starts with: where it runs, how big it is, where it saves."""
    return (
        f"device {device} ({dtype}), {parameters:,} parameters,"
        f" {tokens_per_iter:,} tokens per iteration, data {data_tokens[0]:,} train"
        f" + {data_tokens[1]:,} val tokens, checkpoints in {checkpoints}"
    )


@dataclass
class ProgressReporter:
    """Reports training steps; ``interactive`` selects the terminal status line."""

    stream: TextIO
    total_iters: int
    interactive: bool
    clock: Callable[[], float] = time.perf_counter
    _start: float = field(init=False)
    _start_iter: int = field(init=False, default=0)
    _status_shown: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._start = self.clock()

    def begin(self, start_iter: int) -> None:
        self._start = self.clock()
        self._start_iter = start_iter

    def step(self, iteration: int, loss: float, lr: float, tokens_per_s: float) -> None:
        """``iteration`` counts completed steps."""
        done = iteration - self._start_iter
        elapsed = self.clock() - self._start
        remaining = (self.total_iters - iteration) * elapsed / done if done > 0 else 0.0
        line = (
            f"iter {iteration}/{self.total_iters} loss {loss:.4f} lr {lr:.2e}"
            f" {tokens_per_s:,.0f} tok/s eta {format_duration(remaining)}"
        )
        if self.interactive:
            self.stream.write("\r" + line.ljust(79))
            self._status_shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line that stays, printed above the status line."""
        if self._status_shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._status_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._status_shown = False
