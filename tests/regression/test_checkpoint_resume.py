"""Resuming from the last checkpoint continues the run exactly where it stopped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import torch

from ml_playground.configuration.loader import TRAIN_OVERRIDES_ENV, load_experiment
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.training.checkpointing.manager import read_checkpoint
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.trainer import TrainingOutcome, checkpoint_dir, metrics_path, train

pytestmark = pytest.mark.regression


def configured(config_path: Path, out_dir: Path) -> ExperimentConfig:
    overrides = {"runtime": {"out_dir": str(out_dir), "max_iters": 6, "eval_interval": 3}}
    env = {TRAIN_OVERRIDES_ENV: json.dumps(overrides)}
    return load_experiment(exp_config=config_path, env=env, cwd=config_path.parent)


def run(config: ExperimentConfig, stop_after: int | None = None) -> TrainingOutcome:
    """Train; ``stop_after`` iterations in, ask the loop to stop as Ctrl-C would."""
    checks = 0

    def should_stop() -> bool:
        nonlocal checks
        checks += 1
        return stop_after is not None and checks > stop_after

    reporter = ProgressReporter(io.StringIO(), config.train.runtime.max_iters, interactive=False)
    return train(config, reporter=reporter, warn=reporter.message, should_stop=should_stop)


def test_resumed_training_matches_the_uninterrupted_run_bit_for_bit(
    tiny_experiment: Path, tmp_path: Path
) -> None:
    """What broke: a resume that restored the weights but not the optimizer moments, the
    iteration counter or the data order. It showed as a loss curve that jumped after the
    restart and a final model that differed from an uninterrupted run with the same seed.

    Interrupt after 4 of 6 iterations (between the evaluations at 3 and 6), resume, and
    compare every metrics record, the best validation loss, the final weights and the final
    optimizer state with a straight 6-iteration run.
    """
    base = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    prepare_dataset(base.prepare, log=lambda _: None)
    straight = configured(tiny_experiment, tmp_path / "straight")
    resumed = configured(tiny_experiment, tmp_path / "resumed")

    reference = run(straight)
    stopped = run(resumed, stop_after=4)
    finished = run(resumed)

    assert (reference.iterations, reference.interrupted) == (6, False)
    assert (stopped.iterations, stopped.interrupted) == (4, True)
    assert stopped.checkpoint == checkpoint_dir(tmp_path / "resumed") / "last_00000004.pt"
    assert (finished.iterations, finished.interrupted) == (6, False)
    assert finished.best_val_loss == reference.best_val_loss
    straight_log = metrics_path(tmp_path / "straight").read_bytes()
    assert metrics_path(tmp_path / "resumed").read_bytes() == straight_log

    a = read_checkpoint(checkpoint_dir(tmp_path / "straight") / "last_00000006.pt")
    b = read_checkpoint(checkpoint_dir(tmp_path / "resumed") / "last_00000006.pt")
    assert a["model"].keys() == b["model"].keys()
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), name
    moments_a = a["optimizer"]["state"]
    moments_b = b["optimizer"]["state"]
    assert moments_a.keys() == moments_b.keys()
    for index, state in moments_a.items():
        for key, value in state.items():
            assert torch.equal(value, moments_b[index][key]), (index, key)
