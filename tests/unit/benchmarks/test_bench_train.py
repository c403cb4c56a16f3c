"""The training benchmark's command line, reference configuration and report, without training."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_playground.configuration.models import DataConfig
from ml_playground.training.trainer import TrainingOutcome
from tools.benchmarks.bench_train import main, reference_config, summary

pytestmark = pytest.mark.unit

OUTCOME = TrainingOutcome(
    iterations=500, best_val_loss=1.5, last_val_loss=1.56789, interrupted=False, checkpoint=None
)
DATA = DataConfig(block_size=64, batch_size=12, grad_accum_steps=1)


def test_help_states_the_purpose_and_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    assert exited.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "Training speed and quality on the reference configuration (a benchmark, not a test)."
        in help_text
    )
    assert "--iters ITERS training iterations (default: 500)" in help_text
    assert "--eval-iters EVAL_ITERS batches of the final evaluation (default: 200)" in help_text
    assert "--work-dir WORK_DIR where the data and the run go (default: .cache/bench)" in help_text


def test_the_reference_configuration_is_the_documented_one(tmp_path: Path) -> None:
    config = reference_config(tmp_path, 20, 3)

    assert config.prepare.data_dir == tmp_path / "data"
    runtime = config.train.runtime
    assert runtime.out_dir == tmp_path / "run"
    assert (runtime.max_iters, runtime.eval_interval, runtime.eval_iters) == (20, 20, 3)
    assert runtime.log_interval == 10
    assert (runtime.device, runtime.dtype, runtime.compile) == ("cpu", "float32", False)
    schedule = config.train.schedule
    assert (schedule.warmup_iters, schedule.lr_decay_iters, schedule.min_lr) == (100, 500, 1e-4)
    model = config.train.model
    assert (model.n_layer, model.n_head, model.n_embd, model.block_size) == (4, 4, 128, 64)
    assert config.train.data.batch_size == 12


def test_the_report_leaves_out_the_first_window() -> None:
    lines = summary(OUTCOME, DATA, [100.0, 7680.0, 3840.0, 15360.0], 12.34)

    assert lines == [
        "iterations      500",
        "ms/iteration    100.0",
        "tokens/s        7,680",
        "final val loss  1.5679",
        "wall time       12.3 s (including the final evaluation)",
    ]


def test_a_single_window_is_the_throughput() -> None:
    lines = summary(OUTCOME, DATA, [768.0], 1.0)

    assert lines[1:3] == ["ms/iteration    1000.0", "tokens/s        768"]


def test_the_tokens_of_an_iteration_count_every_accumulation_step() -> None:
    data = DataConfig(block_size=8, batch_size=4, grad_accum_steps=3)

    lines = summary(OUTCOME, data, [0.0, 960.0], 1.0)

    assert lines[1] == "ms/iteration    100.0"
