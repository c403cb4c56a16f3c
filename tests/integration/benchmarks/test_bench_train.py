"""The training benchmark runs end to end and reports its four figures."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tools.benchmarks.bench_train import main

pytestmark = pytest.mark.integration


def test_benchmark_prints_speed_and_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    assert main(["--iters", "20", "--eval-iters", "2", "--work-dir", str(tmp_path)]) == 0
    elapsed = time.perf_counter() - started
    out = capsys.readouterr().out
    assert re.search(r"^iterations\s+20$", out, re.MULTILINE)
    ms = float(re.search(r"^ms/iteration\s+([\d.]+)$", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    tokens = float(
        re.search(r"^tokens/s\s+([\d,]+)$", out, re.MULTILINE).group(1).replace(",", "")  # type: ignore[union-attr]
    )
    assert ms * tokens == pytest.approx(12 * 64 * 1000, rel=0.01)
    loss = float(re.search(r"^final val loss\s+([\d.]+)$", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert 0 < loss < 5
    wall = float(re.search(r"^wall time\s+([\d.]+) s ", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert 0 < wall <= elapsed + 0.05
    assert (tmp_path / "data" / "meta.json").is_file()
    assert (tmp_path / "run" / "checkpoints" / "last_00000020.pt").is_file()
