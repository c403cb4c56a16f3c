"""Training speed and quality on the reference configuration (a benchmark, not a test).

The reference is the packaged defaults on ``stdlib_char``: n_layer=4, n_head=4, n_embd=128,
block_size=64, batch_size=12, dropout=0, bias=false, lr 1e-3, warmup 100, cosine to 1e-4 over
500 iterations, CPU, float32, no compile. Prints ms/iteration, tokens/s and the final val loss.

    uv run python -m tools.benchmarks.bench_train [--iters 500] [--work-dir .cache/bench]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ml_playground.configuration.loader import TRAIN_OVERRIDES_ENV, load_experiment
from ml_playground.configuration.models import DataConfig, ExperimentConfig
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.trainer import TrainingOutcome, train


class RecordingReporter(ProgressReporter):
    """Keeps the throughput of every logging window."""

    def __init__(self, total_iters: int) -> None:
        # Equivalent: only step() reads interactive, and step() is overridden here.
        super().__init__(io.StringIO(), total_iters, interactive=False)  # pragma: no mutate
        self.windows: list[float] = []

    def step(self, iteration: int, loss: float, lr: float, tokens_per_s: float) -> None:
        self.windows.append(tokens_per_s)


def reference_config(work_dir: Path, iters: int, eval_iters: int) -> ExperimentConfig:
    """The packaged ``stdlib_char`` experiment on CPU in float32 without compiling, warming up
    for 100 iterations and decaying to 1e-4 over 500, one evaluation at the end; its data go to
    ``work_dir/data`` and its run to ``work_dir/run``."""
    overrides = {
        "runtime": {
            "out_dir": str(work_dir / "run"),
            "max_iters": iters,
            "eval_interval": iters,
            "eval_iters": eval_iters,
            "log_interval": 10,
            "device": "cpu",
            "dtype": "float32",
            "compile": False,
        },
        "schedule": {"warmup_iters": 100, "lr_decay_iters": 500, "min_lr": 1e-4},
    }
    config = load_experiment(
        "stdlib_char", env={TRAIN_OVERRIDES_ENV: json.dumps(overrides)}, cwd=Path.cwd()
    )
    return replace(config, prepare=replace(config.prepare, data_dir=work_dir / "data"))


def summary(
    outcome: TrainingOutcome, data: DataConfig, windows: Sequence[float], wall: float
) -> list[str]:
    """The report: the throughput is the median of the logging windows after the first one (it
    includes the warm-up), or of the only window."""
    tokens_per_iter = data.batch_size * data.block_size * data.grad_accum_steps
    tokens_per_s = statistics.median(windows[1:] or windows)
    return [
        f"iterations      {outcome.iterations}",
        f"ms/iteration    {1000 * tokens_per_iter / tokens_per_s:.1f}",
        f"tokens/s        {tokens_per_s:,.0f}",
        f"final val loss  {outcome.last_val_loss:.4f}",
        f"wall time       {wall:.1f} s (including the final evaluation)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--iters", type=int, default=500, help="training iterations (default: %(default)s)"
    )
    parser.add_argument(
        "--eval-iters",
        type=int,
        default=200,
        help="batches of the final evaluation (default: %(default)s)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(".cache/bench"),
        help="where the data and the run go (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    work_dir: Path = args.work_dir.resolve()
    shutil.rmtree(work_dir / "run", ignore_errors=True)
    config = reference_config(work_dir, args.iters, args.eval_iters)
    prepare_dataset(config.prepare, log=lambda line: print(line, file=sys.stderr))

    reporter = RecordingReporter(args.iters)
    started = time.perf_counter()
    outcome = train(config, reporter=reporter, warn=lambda line: print(line, file=sys.stderr))
    wall = time.perf_counter() - started
    for line in summary(outcome, config.train.data, reporter.windows, wall):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
