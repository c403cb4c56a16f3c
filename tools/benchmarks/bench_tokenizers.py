"""char against bpe on the stdlib corpus: same model, same wall-clock budget, validation bits
per byte (a benchmark, not a test).

Each experiment (stdlib_char, stdlib_bpe) trains its packaged model on the CPU until the
budget runs out, then its last checkpoint is evaluated. Loss per token (nats) becomes bits per
byte of text: ``loss / ln 2 * val_tokens / val_bytes``. Both tokenizers cut the corpus at the
same character, so their validation text is the same.

    uv run python -m tools.benchmarks.bench_tokenizers [--seconds 240] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ml_playground.configuration.loader import load_experiment
from ml_playground.data_pipeline.dataset_files import load_tokens, read_meta
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.trainer import evaluate_checkpoint, train

EXPERIMENTS = ("stdlib_char", "stdlib_bpe")


@dataclass(frozen=True)
class Result:
    experiment: str
    vocab_size: int
    iterations: int
    val_loss: float
    """Nats per token."""
    tokens_per_byte: float

    @property
    def bits_per_byte(self) -> float:
        return self.val_loss / math.log(2) * self.tokens_per_byte


def measure(experiment: str, seconds: float, work_dir: Path, assignments: list[str]) -> Result:
    out_dir = work_dir / experiment
    shutil.rmtree(out_dir / "run", ignore_errors=True)
    sets = [
        f'prepare.data_dir="{(out_dir / "data").as_posix()}"',
        f'train.runtime.out_dir="{(out_dir / "run").as_posix()}"',
        'train.runtime.device="cpu"',
        "train.runtime.max_iters=1000000",
        "train.runtime.eval_interval=1000000",
        *assignments,
    ]
    config = load_experiment(experiment, env={}, cwd=Path.cwd(), assignments=sets)
    prepare_dataset(config.prepare)
    reporter = ProgressReporter(
        io.StringIO(),
        config.train.runtime.max_iters,
        # Equivalent: the progress goes to a buffer nobody reads, as a status line or as lines.
        interactive=False,  # pragma: no mutate
    )
    deadline = time.perf_counter() + seconds
    checks = itertools.count()  # the first check, before any step, never stops the run
    outcome = train(
        config,
        reporter=reporter,
        warn=lambda _: None,
        should_stop=lambda: (
            next(checks) > 0
            # Equivalent: a float clock reading the deadline exactly would only add one step.
            and time.perf_counter() >= deadline  # pragma: no mutate
        ),
    )
    evaluation = evaluate_checkpoint(config, warn=lambda _: None, start_from="last")
    meta = read_meta(config.prepare.data_dir)
    val_ids = [int(t) for t in load_tokens(config.prepare.data_dir, "val")]
    val_bytes = len(meta.tokenizer.decode(val_ids).encode("utf-8"))
    return Result(
        experiment,
        meta.vocab_size,
        outcome.iterations,
        evaluation.losses["val"],
        meta.val_tokens / val_bytes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=240.0, help="training budget of each")
    parser.add_argument(
        "--eval-iters", type=int, default=100, help="evaluation batches of the last checkpoint"
    )
    parser.add_argument("--work-dir", type=Path, default=Path(".cache/bench-tokenizers"))
    parser.add_argument("--set", action="append", default=[], dest="assignments")
    args = parser.parse_args(argv)
    assignments = [f"train.runtime.eval_iters={args.eval_iters}", *args.assignments]
    print("experiment   vocab  iterations  val loss  tokens/byte  bits/byte")
    for experiment in EXPERIMENTS:
        r = measure(experiment, args.seconds, args.work_dir.resolve(), assignments)
        print(
            f"{r.experiment:<12} {r.vocab_size:>5}  {r.iterations:>10}  {r.val_loss:>8.4f}"
            f"  {r.tokens_per_byte:>11.4f}  {r.bits_per_byte:>9.4f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
