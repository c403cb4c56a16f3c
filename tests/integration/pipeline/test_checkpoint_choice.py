"""train --from, train --eval-only and sample --from on a tiny model, in process."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import torch

from ml_playground.configuration.loader import load_experiment
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.core.errors import CheckpointError
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.sampling.runner import sample
from ml_playground.training.checkpointing.manager import read_checkpoint
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.trainer import (
    TrainingOutcome,
    checkpoint_dir,
    evaluate_checkpoint,
    metrics_path,
    train,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def experiment(
    config_path: Path, out_dir: Path, max_iters: int = 8, ema_decay: float = 0.0
) -> ExperimentConfig:
    sets = [f'train.runtime.out_dir="{out_dir.as_posix()}"', f"train.runtime.max_iters={max_iters}"]
    sets += ["train.runtime.eval_interval=4", f"train.runtime.ema_decay={ema_decay}"]
    return load_experiment(exp_config=config_path, env={}, cwd=config_path.parent, assignments=sets)


def run_training(config: ExperimentConfig, start_from: str | None = None) -> list[str]:
    stream = io.StringIO()
    reporter = ProgressReporter(stream, config.train.runtime.max_iters, interactive=False)
    outcome: TrainingOutcome = train(
        config, reporter=reporter, warn=reporter.message, start_from=start_from, clock=lambda: NOW
    )
    assert not outcome.interrupted
    return [line for line in stream.getvalue().splitlines() if not line.startswith("iter ")]


def records(out_dir: Path) -> list[dict[str, object]]:
    lines = metrics_path(out_dir).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def prepared(tiny_experiment: Path) -> Path:
    config = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    prepare_dataset(config.prepare)
    return tiny_experiment


def test_going_back_to_an_earlier_checkpoint_replays_the_run_and_keeps_the_later_one(
    prepared: Path, tmp_path: Path
) -> None:
    config = experiment(prepared, tmp_path / "run")
    run_training(config)
    straight = records(tmp_path / "run")
    earlier = checkpoint_dir(tmp_path / "run") / "last_00000004.pt"

    messages = run_training(config, start_from=str(earlier))

    aside = tmp_path / "run" / "previous" / "20260102T030405Z"
    assert messages[0] == (
        f"going back to --from {earlier}; the later checkpoints were moved to {aside}"
    )
    assert messages[1] == f"resuming from {earlier} at iteration 4"
    assert records(tmp_path / "run") == straight  # the same curve, replayed
    assert records(aside) == straight
    assert sorted(p.name for p in (aside / "checkpoints").iterdir()) == [
        "best_00000008.pt",
        "last_00000008.pt",
    ]
    again = run_training(config, start_from="last")
    assert (
        again[0]
        == "resuming from "
        + str(checkpoint_dir(tmp_path / "run") / "last_00000008.pt")
        + " at iteration 8"
    )


def test_a_checkpoint_of_another_run_moves_this_run_aside(prepared: Path, tmp_path: Path) -> None:
    run_training(experiment(prepared, tmp_path / "a", max_iters=4))
    run_training(experiment(prepared, tmp_path / "b", max_iters=4))
    foreign = checkpoint_dir(tmp_path / "a") / "last_00000004.pt"

    messages = run_training(experiment(prepared, tmp_path / "b"), start_from=str(foreign))

    aside = tmp_path / "b" / "previous" / "20260102T030405Z"
    assert messages[0] == (
        f"going back to --from {foreign}; the run that was in {tmp_path / 'b'} was moved to {aside}"
    )
    assert [r["iter"] for r in records(tmp_path / "b") if r["kind"] == "eval"] == [8]
    assert [r["iter"] for r in records(aside) if r["kind"] == "eval"] == [4]
    assert foreign.is_file()
    into_empty = run_training(experiment(prepared, tmp_path / "c"), start_from=str(foreign))
    assert into_empty[0] == f"resuming from {foreign} at iteration 4"


def test_eval_only_reproduces_the_recorded_evaluation_and_writes_nothing(
    prepared: Path, tmp_path: Path
) -> None:
    config = experiment(prepared, tmp_path / "run")
    run_training(config)
    before = sorted(p.name for p in (tmp_path / "run").rglob("*"))
    recorded = {r["iter"]: r for r in records(tmp_path / "run") if r["kind"] == "eval"}
    earlier = checkpoint_dir(tmp_path / "run") / "last_00000004.pt"

    for start_from, iteration in ((None, 8), ("best", 8), (str(earlier), 4)):
        result = evaluate_checkpoint(config, warn=lambda _: None, start_from=start_from)
        assert result.iteration == iteration
        assert result.losses == {
            "train": recorded[iteration]["train_loss"],
            "val": recorded[iteration]["val_loss"],
        }
    assert sorted(p.name for p in (tmp_path / "run").rglob("*")) == before


def test_eval_only_evaluates_the_ema_weights_as_training_did(
    prepared: Path, tmp_path: Path
) -> None:
    config = experiment(prepared, tmp_path / "ema", ema_decay=0.9)
    run_training(config)
    recorded = [r for r in records(tmp_path / "ema") if r["kind"] == "eval"][-1]
    result = evaluate_checkpoint(config, warn=lambda _: None)
    assert result.losses == {"train": recorded["train_loss"], "val": recorded["val_loss"]}


def test_eval_only_without_a_checkpoint_is_a_runtime_failure(
    prepared: Path, tmp_path: Path
) -> None:
    config = experiment(prepared, tmp_path / "empty")
    with pytest.raises(CheckpointError, match=r"^no checkpoint in .*; run `ml-playground train`$"):
        evaluate_checkpoint(config, warn=lambda _: None)


def test_sample_from_a_chosen_checkpoint(prepared: Path, tmp_path: Path) -> None:
    config = experiment(prepared, tmp_path / "run")
    run_training(config)

    def quiet(start_from: str | None = None) -> list[str]:
        return sample(config, warn=lambda _: None, write=lambda _: None, start_from=start_from)

    own = quiet()
    assert quiet("best") == own
    assert quiet("last") == own
    state = read_checkpoint(checkpoint_dir(tmp_path / "run") / "last_00000008.pt")
    state["model"]["wte.weight"] *= 50  # a sharper model: other samples
    mine = tmp_path / "mine.pt"
    torch.save(state, mine)
    assert quiet(str(mine)) != own
