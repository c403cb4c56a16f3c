"""prepare → train → stop mid-run → resume → sample, in process, on a tiny model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import torch

from ml_playground.configuration.loader import TRAIN_OVERRIDES_ENV, load_experiment
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.core.errors import CheckpointError, RunError
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.sampling.runner import SEPARATOR, sample
from ml_playground.training.checkpointing.manager import read_checkpoint
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.trainer import TrainingOutcome, checkpoint_dir, metrics_path, train

pytestmark = pytest.mark.integration


def experiment(
    config_path: Path, out_dir: Path, optim: dict[str, object] | None = None, **runtime: object
) -> ExperimentConfig:
    overrides = {"runtime": {"out_dir": str(out_dir), **runtime}, "optim": optim or {}}
    env = {TRAIN_OVERRIDES_ENV: json.dumps(overrides)}
    return load_experiment(exp_config=config_path, env=env, cwd=config_path.parent)


def run_training(config: ExperimentConfig, stop_after_checks: int | None = None) -> TrainingOutcome:
    checks = 0

    def should_stop() -> bool:
        nonlocal checks
        checks += 1
        return stop_after_checks is not None and checks > stop_after_checks

    reporter = ProgressReporter(io.StringIO(), config.train.runtime.max_iters, interactive=False)
    return train(config, reporter=reporter, warn=reporter.message, should_stop=should_stop)


def records(config: ExperimentConfig) -> list[dict[str, object]]:
    lines = metrics_path(config.train.runtime.out_dir).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def prepared(tiny_experiment: Path) -> Path:
    config = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    prepare_dataset(config.prepare, log=lambda _: None)
    return tiny_experiment


def test_resumed_run_follows_the_uninterrupted_loss_curve_bit_for_bit(
    prepared: Path, tmp_path: Path
) -> None:
    straight = experiment(prepared, tmp_path / "straight", max_iters=8, eval_interval=4)
    outcome = run_training(straight)
    assert (outcome.iterations, outcome.interrupted) == (8, False)

    resumed = experiment(prepared, tmp_path / "resumed", max_iters=8, eval_interval=4)
    first = run_training(resumed, stop_after_checks=5)
    assert (first.iterations, first.interrupted) == (5, True)
    assert first.checkpoint == checkpoint_dir(tmp_path / "resumed") / "last_00000005.pt"
    second = run_training(resumed)
    assert (second.iterations, second.interrupted) == (8, False)

    assert records(resumed) == records(straight)
    assert second.best_val_loss == outcome.best_val_loss
    final = read_checkpoint(checkpoint_dir(tmp_path / "straight") / "last_00000008.pt")
    final_resumed = read_checkpoint(checkpoint_dir(tmp_path / "resumed") / "last_00000008.pt")
    for name, tensor in final["model"].items():
        assert torch.equal(tensor, final_resumed["model"][name]), name


def test_same_seed_same_losses_different_seed_different_losses(
    prepared: Path, tmp_path: Path
) -> None:
    a = experiment(prepared, tmp_path / "a", max_iters=3)
    b = experiment(prepared, tmp_path / "b", max_iters=3)
    c = experiment(prepared, tmp_path / "c", max_iters=3, seed=7)
    for config in (a, b, c):
        run_training(config)
    assert records(a) == records(b)
    assert records(a) != records(c)


def test_training_lowers_the_loss_and_writes_metrics(prepared: Path, tmp_path: Path) -> None:
    config = experiment(prepared, tmp_path / "run", max_iters=30, eval_interval=15)
    outcome = run_training(config)
    evals = [r for r in records(config) if r["kind"] == "eval"]
    assert [r["iter"] for r in evals] == [15, 30]
    first_train = next(r for r in records(config) if r["kind"] == "train")
    assert float(evals[-1]["val_loss"]) < float(first_train["loss"]) - 0.05  # type: ignore[arg-type]
    assert outcome.best_val_loss == min(float(r["val_loss"]) for r in evals)  # type: ignore[arg-type]


def test_ema_weights_are_saved_and_used_for_sampling(prepared: Path, tmp_path: Path) -> None:
    config = experiment(prepared, tmp_path / "ema", max_iters=4, ema_decay=0.9)
    run_training(config)
    state = read_checkpoint(checkpoint_dir(tmp_path / "ema") / "last_00000004.pt")
    assert state["ema"]
    written: list[str] = []
    texts = sample(config, warn=written.append, write=written.append)
    assert len(texts) == 1
    assert texts[0].startswith("def ")
    assert len(texts[0]) == len("def ") + config.sample.max_new_tokens
    assert written == [texts[0], SEPARATOR]


def test_sampling_is_reproducible_with_a_seed(prepared: Path, tmp_path: Path) -> None:
    config = experiment(prepared, tmp_path / "s", max_iters=3)
    run_training(config)
    first = sample(config, warn=lambda _: None, write=lambda _: None)
    again = sample(config, warn=lambda _: None, write=lambda _: None)
    assert first == again


def test_resume_refuses_a_checkpoint_of_another_model(prepared: Path, tmp_path: Path) -> None:
    run_training(experiment(prepared, tmp_path / "m", max_iters=2))
    env = {
        TRAIN_OVERRIDES_ENV: json.dumps(
            {"runtime": {"out_dir": str(tmp_path / "m"), "max_iters": 4}, "model": {"n_embd": 32}}
        )
    }
    bigger = load_experiment(exp_config=prepared, env=env, cwd=prepared.parent)
    with pytest.raises(CheckpointError, match=r"different model \(n_embd 16 != 32\)"):
        run_training(bigger)


def test_a_crash_before_the_checkpoint_rewinds_the_metrics_and_replays_the_lost_steps(
    prepared: Path, tmp_path: Path
) -> None:
    """A run killed while saving at iteration 8 (its metrics already hold iterations 5-8)
    resumes from iteration 4: the records after 4 are dropped and written again, and the
    result, EMA shadows included, is that of an uninterrupted run (here without gradient
    clipping)."""
    settings: dict[str, object] = {"max_iters": 8, "eval_interval": 4, "ema_decay": 0.9}
    no_clipping: dict[str, object] = {"grad_clip": 0.0}
    straight = experiment(prepared, tmp_path / "straight", no_clipping, **settings)
    crashed = experiment(prepared, tmp_path / "crashed", no_clipping, **settings)
    run_training(straight)
    run_training(crashed)
    for lost in checkpoint_dir(tmp_path / "crashed").glob("*_00000008.pt"):
        lost.unlink()
    assert max(int(r["iter"]) for r in records(crashed)) == 8  # type: ignore[call-overload]

    replayed = run_training(crashed)

    assert (replayed.iterations, replayed.interrupted) == (8, False)
    assert records(crashed) == records(straight)
    final = read_checkpoint(checkpoint_dir(tmp_path / "straight") / "last_00000008.pt")
    final_replayed = read_checkpoint(checkpoint_dir(tmp_path / "crashed") / "last_00000008.pt")
    assert final["ema"].keys() == final_replayed["ema"].keys()
    for name, tensor in final["ema"].items():
        assert torch.equal(tensor, final_replayed["ema"][name]), name


def test_a_run_stopped_with_diverged_weights_saves_nothing(prepared: Path, tmp_path: Path) -> None:
    config = experiment(
        prepared,
        tmp_path / "run",
        optim={"learning_rate": 1e300},
        max_iters=8,
        eval_interval=8,
        log_interval=8,
    )
    with pytest.raises(RunError) as raised:
        run_training(config, stop_after_checks=3)
    assert str(raised.value) == (
        "training diverged at iteration 3 (loss nan): stopped without saving; no checkpoint was"
        " saved. A lower train.optim.learning_rate may help"
    )
    assert list(checkpoint_dir(tmp_path / "run").iterdir()) == []


def test_a_checkpoint_without_a_tokenizer_samples_with_the_prepared_one(
    prepared: Path, tmp_path: Path
) -> None:
    """Checkpoints written before they carried their tokenizer (format 1) fall back to the
    data folder's meta.json, with a warning, as long as the vocabulary size agrees."""
    config = experiment(prepared, tmp_path / "old", max_iters=2)
    run_training(config)
    current = sample(config, warn=lambda _: None, write=lambda _: None)
    for path in checkpoint_dir(tmp_path / "old").glob("*.pt"):
        state = read_checkpoint(path)
        del state["tokenizer"], state["data_fingerprint"]
        state["format_version"] = 1
        torch.save(state, path)
    warnings: list[str] = []

    assert sample(config, warn=warnings.append, write=lambda _: None) == current
    best = checkpoint_dir(tmp_path / "old") / "best_00000002.pt"
    assert warnings == [
        f"warning: checkpoint {best} predates checkpoints that carry their tokenizer; using the"
        f" one of the prepared data in {config.prepare.data_dir}"
    ]
    state = read_checkpoint(best)
    state["vocab_size"] += 1
    state["model"]["wte.weight"] = torch.zeros(state["vocab_size"], 16)
    torch.save(state, best)
    with pytest.raises(CheckpointError, match=r"has a vocabulary of \d+ tokens, the prepared"):
        sample(config, warn=lambda _: None, write=lambda _: None)
