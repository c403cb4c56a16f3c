"""The training loop's pieces on a tiny model on the CPU: seeds, cadence, logged values,
checkpoint decisions, gradient accumulation, clipping and stopping."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import torch
import torch._dynamo  # at collection: the first AdamW imports it, taking seconds of a test
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ml_playground.configuration.loader import TRAIN_OVERRIDES_ENV, load_experiment
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.core.errors import RunError, UsageError
from ml_playground.data_pipeline.dataset_files import read_meta
from ml_playground.data_pipeline.prepare import prepare_dataset
from ml_playground.training.checkpointing.manager import read_checkpoint
from ml_playground.training.distributed import ProcessGroup
from ml_playground.training.progress import ProgressReporter
from ml_playground.training.run_lock import run_lock
from ml_playground.training.trainer import (
    Evaluation,
    TrainingOutcome,
    _log,  # pyright: ignore[reportPrivateUsage]
    _open_run,  # pyright: ignore[reportPrivateUsage]
    _step,  # pyright: ignore[reportPrivateUsage]
    _Window,  # pyright: ignore[reportPrivateUsage]
    _wrapped,  # pyright: ignore[reportPrivateUsage]
    checkpoint_dir,
    evaluate_checkpoint,
    metrics_path,
    step_seed,
    train,
)

pytestmark = pytest.mark.unit


@dataclasses.dataclass
class Trained:
    outcome: TrainingOutcome
    output: list[str]
    warnings: list[str]


@pytest.fixture
def prepared(tiny_experiment: Path) -> Path:
    config = load_experiment(exp_config=tiny_experiment, env={}, cwd=tiny_experiment.parent)
    prepare_dataset(config.prepare, log=lambda _: None)
    return tiny_experiment


def experiment(config_path: Path, **sections: dict[str, object]) -> ExperimentConfig:
    """The tiny experiment with ``train.<section>`` overrides, e.g. runtime={"max_iters": 2}."""
    env = {TRAIN_OVERRIDES_ENV: json.dumps(sections)}
    return load_experiment(exp_config=config_path, env=env, cwd=config_path.parent)


def run(
    config: ExperimentConfig,
    *,
    stop_after_checks: int | None = None,
    clock: Callable[[], float] | None = None,
) -> Trained:
    checks = 0

    def should_stop() -> bool:
        nonlocal checks
        checks += 1
        return stop_after_checks is not None and checks > stop_after_checks

    stream = io.StringIO()
    total = config.train.runtime.max_iters
    reporter = (
        ProgressReporter(stream, total, interactive=False)
        if clock is None
        else ProgressReporter(stream, total, interactive=False, clock=clock)
    )
    warnings: list[str] = []
    outcome = train(config=config, reporter=reporter, warn=warnings.append, should_stop=should_stop)
    return Trained(outcome, stream.getvalue().splitlines(), warnings)


def records(config: ExperimentConfig, kind: str) -> list[dict[str, float]]:
    lines = metrics_path(config.train.runtime.out_dir).read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def checkpoint_names(config: ExperimentConfig) -> list[str]:
    directory = checkpoint_dir(config.train.runtime.out_dir)
    return sorted(path.name for path in directory.iterdir()) if directory.is_dir() else []


def test_a_step_seed_adds_prime_multiples_of_the_iteration_and_the_rank() -> None:
    assert step_seed(5, 0, 0) == 5
    assert step_seed(5, 2, 0) == 5 + 2 * 1_000_003
    assert step_seed(5, 0, 3) == 5 + 3 * 7_919
    assert step_seed(5, 2, 3) == 5 + 2 * 1_000_003 + 3 * 7_919


def test_outcomes_and_evaluations_cannot_be_changed() -> None:
    outcome = TrainingOutcome(3, 2.5, 2.5, False, None)
    evaluation = Evaluation(Path("last_00000003.pt"), 3, {"train": 2.4, "val": 2.5})
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(outcome, "iterations", 4)  # noqa: B010
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(evaluation, "iteration", 4)  # noqa: B010


def test_a_fresh_run_logs_every_step_from_one_and_checkpoints_at_each_evaluation(
    prepared: Path,
) -> None:
    config = experiment(prepared, runtime={"max_iters": 3, "eval_interval": 2})
    trained = run(config)
    assert [r["iter"] for r in records(config, "train")] == [1, 2, 3]
    assert [r["iter"] for r in records(config, "eval")] == [2, 3]
    directory = checkpoint_dir(config.train.runtime.out_dir)
    assert trained.outcome.iterations == 3
    assert trained.outcome.interrupted is False
    assert trained.outcome.checkpoint == directory / "last_00000003.pt"
    assert trained.outcome.last_val_loss == records(config, "eval")[-1]["val_loss"]
    assert trained.warnings == []


def test_the_startup_summary_counts_the_tokens_of_every_micro_step(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1}, data={"grad_accum_steps": 2})
    trained = run(config)
    assert " 128 tokens per iteration," in trained.output[0]


def test_accumulated_micro_steps_report_the_loss_of_a_whole_batch(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1}, data={"grad_accum_steps": 2})
    run(config)
    vocab_size = read_meta(config.prepare.data_dir).vocab_size
    (logged,) = records(config, "train")
    assert abs(logged["loss"] - math.log(vocab_size)) < 0.5


def test_a_second_run_resumes_where_the_first_one_ended(prepared: Path) -> None:
    first = experiment(prepared, runtime={"max_iters": 2})
    run(first)
    second = experiment(prepared, runtime={"max_iters": 3})
    trained = run(second)
    directory = checkpoint_dir(second.train.runtime.out_dir)
    assert f"resuming from {directory / 'last_00000002.pt'} at iteration 2" in trained.output
    assert trained.outcome.iterations == 3
    assert [r["iter"] for r in records(second, "train")] == [1, 2, 3]


def test_a_run_directory_held_by_another_run_is_refused(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1})
    with run_lock(config.train.runtime.out_dir), pytest.raises(RunError, match="is in use by"):
        run(config)
    assert checkpoint_names(config) == []


def test_a_checkpoint_older_than_tokenizers_and_scalers_resumes_with_one_warning(
    prepared: Path,
) -> None:
    first = experiment(prepared, runtime={"max_iters": 1})
    run(first)
    path = checkpoint_dir(first.train.runtime.out_dir) / "last_00000001.pt"
    state = read_checkpoint(path)
    for key in ("tokenizer", "data_fingerprint", "scaler"):
        del state[key]
    torch.save({**state, "format_version": 1}, path)
    trained = run(experiment(prepared, runtime={"max_iters": 2}))
    assert trained.outcome.iterations == 2
    assert len(trained.warnings) == 1
    assert trained.warnings[0].startswith(f"warning: checkpoint {path} predates checkpoints")


def test_an_unreadable_newest_checkpoint_is_moved_aside_and_the_previous_one_resumed(
    prepared: Path,
) -> None:
    first = experiment(prepared, runtime={"max_iters": 1})
    run(first)
    directory = checkpoint_dir(first.train.runtime.out_dir)
    (directory / "last_00000005.pt").write_bytes(b"not a checkpoint")
    trained = run(experiment(prepared, runtime={"max_iters": 2}))
    assert trained.outcome.iterations == 2
    assert (directory / "last_00000005.pt.unreadable").read_bytes() == b"not a checkpoint"
    assert "moved aside to last_00000005.pt.unreadable" in trained.warnings[0]


def test_ema_weights_are_kept_from_the_first_run_on(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1, "ema_decay": 0.9})
    trained = run(config)
    assert trained.outcome.checkpoint is not None
    state = read_checkpoint(trained.outcome.checkpoint)
    assert state["ema"]
    assert state["scaler"] == {}


def test_stopping_before_the_first_step_saves_nothing(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 3})
    trained = run(config, stop_after_checks=0)
    assert trained.outcome == TrainingOutcome(0, math.inf, None, True, None)
    assert checkpoint_names(config) == []


def test_stopping_between_evaluations_saves_a_last_checkpoint_but_no_best(
    prepared: Path,
) -> None:
    config = experiment(prepared, runtime={"max_iters": 3, "eval_interval": 100})
    trained = run(config, stop_after_checks=1)
    directory = checkpoint_dir(config.train.runtime.out_dir)
    assert (trained.outcome.iterations, trained.outcome.interrupted) == (1, True)
    assert trained.outcome.checkpoint == directory / "last_00000001.pt"
    assert checkpoint_names(config) == ["last_00000001.pt"]


def val_loss(prepared: Path, name: str, grad_clip: float) -> float:
    config = experiment(
        prepared,
        runtime={"max_iters": 1, "out_dir": name},
        optim={"grad_clip": grad_clip, "weight_decay": 0.0},
    )
    return run(config).outcome.best_val_loss


def test_a_zero_grad_clip_clips_nothing(prepared: Path) -> None:
    assert val_loss(prepared, "zero", 0.0) == val_loss(prepared, "huge", 1e9)


def test_an_equal_val_loss_is_no_new_best(prepared: Path) -> None:
    # a tiny grad_clip leaves the weights as they were: the second evaluation equals the first
    config = experiment(
        prepared,
        runtime={"max_iters": 2, "eval_interval": 1, "keep_best": 2},
        optim={"grad_clip": 1e-30, "weight_decay": 0.0},
    )
    run(config)
    first, second = records(config, "eval")
    assert first["val_loss"] == second["val_loss"]
    assert checkpoint_names(config) == ["best_00000001.pt", "last_00000001.pt", "last_00000002.pt"]


def tokens_per_second(output: list[str]) -> list[str]:
    return [m.group(1) for line in output if (m := re.search(r" ([\d,]+) tok/s ", line))]


def test_throughput_counts_the_tokens_of_the_steps_since_the_last_log(prepared: Path) -> None:
    config = experiment(
        prepared,
        runtime={"max_iters": 4, "log_interval": 2, "eval_interval": 100},
        data={"grad_accum_steps": 2},
    )
    trained = run(config, clock=lambda: 5.0)
    # 4 x 16 tokens x 2 micro steps x 2 iterations in the shortest measurable time, 1e-9 s
    assert tokens_per_second(trained.output) == ["256,000,000,000", "256,000,000,000"]


def test_evaluating_a_checkpoint_gives_the_losses_training_recorded(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1})
    trained = run(config)
    warnings: list[str] = []
    evaluation = evaluate_checkpoint(config=config, warn=warnings.append)
    (recorded,) = records(config, "eval")
    assert evaluation.checkpoint == trained.outcome.checkpoint
    assert evaluation.iteration == 1
    assert evaluation.losses == {"train": recorded["train_loss"], "val": recorded["val_loss"]}
    assert warnings == []


def test_without_a_stop_request_training_runs_to_the_end(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 1})
    reporter = ProgressReporter(io.StringIO(), 1, interactive=False)

    outcome = train(config, reporter=reporter, warn=reporter.message)

    assert (outcome.iterations, outcome.interrupted) == (1, False)


def test_without_an_ema_decay_checkpoints_carry_no_ema_weights(prepared: Path) -> None:
    trained = run(experiment(prepared, runtime={"max_iters": 1, "ema_decay": 0.0}))
    assert trained.outcome.checkpoint is not None
    assert read_checkpoint(trained.outcome.checkpoint)["ema"] == {}


def test_going_back_to_an_earlier_checkpoint_moves_the_later_ones_aside(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 2, "eval_interval": 1})
    run(config)
    out_dir = config.train.runtime.out_dir
    earlier = checkpoint_dir(out_dir) / "last_00000001.pt"
    stream = io.StringIO()
    reporter = ProgressReporter(stream, 2, interactive=False)

    outcome = train(
        config,
        reporter=reporter,
        warn=reporter.message,
        start_from=str(earlier),
        clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )

    aside = out_dir / "previous" / "20260102T030405Z"
    assert stream.getvalue().splitlines()[:2] == [
        f"going back to --from {earlier}; the later checkpoints were moved to {aside}",
        f"resuming from {earlier} at iteration 1",
    ]
    moved = sorted(p.name for p in (aside / "checkpoints").iterdir())
    assert moved == ["best_00000002.pt", "last_00000002.pt"]
    assert outcome.iterations == 2


def test_a_dtype_the_device_lacks_is_refused_before_the_previous_run_is_moved(
    prepared: Path,
) -> None:
    run(experiment(prepared, runtime={"max_iters": 1}))
    config = experiment(prepared, runtime={"max_iters": 2, "dtype": "float16", "device": "cpu"})
    before = sorted(p.relative_to(prepared.parent) for p in prepared.parent.rglob("*"))
    stream = io.StringIO()
    reporter = ProgressReporter(stream, 2, interactive=False)

    with pytest.raises(UsageError, match=r"^dtype float16 needs a cuda device"):
        train(config=config, reporter=reporter, warn=pytest.fail, fresh=True)

    assert sorted(p.relative_to(prepared.parent) for p in prepared.parent.rglob("*")) == before
    assert checkpoint_names(config) == ["best_00000001.pt", "last_00000001.pt"]


def start(
    config: ExperimentConfig, *, fresh: bool = False, start_from: str | None = None
) -> Trained:
    """Train only up to the first step: every check and move before training, and no step."""
    stream = io.StringIO()
    reporter = ProgressReporter(stream, config.train.runtime.max_iters, interactive=False)
    warnings: list[str] = []
    outcome = train(
        config,
        reporter=reporter,
        warn=warnings.append,
        should_stop=lambda: True,
        fresh=fresh,
        start_from=start_from,
        clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    return Trained(outcome, stream.getvalue().splitlines(), warnings)


def one_step(config: ExperimentConfig) -> Path:
    """The checkpoint of a run stopped after its first step (no evaluation)."""
    trained = run(config, stop_after_checks=1)
    assert trained.outcome.checkpoint is not None
    return trained.outcome.checkpoint


def test_starting_over_moves_the_previous_run_aside_and_says_where(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 3})
    out_dir = config.train.runtime.out_dir
    out_dir.mkdir()
    metrics_path(out_dir).write_text('{"kind": "train", "iter": 1}\n', encoding="utf-8")

    started = start(config, fresh=True)

    aside = out_dir / "previous" / "20260102T030405Z"
    assert started.output[0] == f"starting over; the previous run was moved to {aside}"
    assert (aside / "metrics.jsonl").read_text(encoding="utf-8") == '{"kind": "train", "iter": 1}\n'
    assert started.outcome == TrainingOutcome(0, math.inf, None, True, None)


def test_starting_over_with_no_previous_run_says_nothing_of_one(prepared: Path) -> None:
    started = start(experiment(prepared, runtime={"max_iters": 3}), fresh=True)
    assert not [line for line in started.output if "starting over" in line]
    assert started.output[0].startswith("device cpu")
    assert started.warnings == []


def test_resuming_from_an_earlier_checkpoint_moves_the_later_one_aside(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 3, "eval_interval": 100})
    earlier = one_step(config)
    later = earlier.with_name("last_00000002.pt")
    later.write_bytes(earlier.read_bytes())

    started = start(config, start_from=str(earlier))

    aside = config.train.runtime.out_dir / "previous" / "20260102T030405Z"
    assert started.output[:2] == [
        f"going back to --from {earlier}; the later checkpoints were moved to {aside}",
        f"resuming from {earlier} at iteration 1",
    ]
    assert (aside / "checkpoints" / later.name).read_bytes() == earlier.read_bytes()
    assert started.outcome.iterations == 1


def test_resuming_a_checkpoint_without_a_tokenizer_warns_once(prepared: Path) -> None:
    config = experiment(prepared, runtime={"max_iters": 3, "eval_interval": 100})
    path = one_step(config)
    state = read_checkpoint(path)
    for key in ("tokenizer", "data_fingerprint"):
        del state[key]
    torch.save({**state, "format_version": 1}, path)

    started = start(config)

    assert len(started.warnings) == 1
    assert started.warnings[0].startswith(f"warning: checkpoint {path} predates checkpoints")
    assert f"resuming from {path} at iteration 1" in started.output


RANK_OF_TWO = ProcessGroup(rank=0, local_rank=0, world_size=2)


@pytest.mark.usefixtures("default_group")
def test_a_rank_of_several_syncs_the_gradients_once_a_step_after_its_last_micro_step(
    prepared: Path,
) -> None:
    config = experiment(prepared, data={"grad_accum_steps": 3})
    cpu = torch.device("cpu")
    opened = _open_run(config, pytest.fail, RANK_OF_TWO, cpu, False, None)
    model = _wrapped(opened)
    assert isinstance(model, DistributedDataParallel)
    last_buckets: list[bool] = []  # one entry a bucket all-reduced; True ends a backward pass

    def all_reduce(
        state: list[bool],
        bucket: dist.GradBucket,  # pyright: ignore[reportPrivateImportUsage]
    ) -> torch.futures.Future[torch.Tensor]:
        state.append(bucket.is_last())
        done: torch.futures.Future[torch.Tensor] = torch.futures.Future()
        done.set_result(bucket.buffer())  # this process alone: its sum is its own gradient
        return done

    # unannotated: DDP compares the annotation with dist.GradBucket, and here it is a string
    model.register_comm_hook(last_buckets, lambda state, bucket: all_reduce(state, bucket))

    _step(opened, model, 0)

    assert sum(last_buckets) == 1  # the three micro steps' gradients, all-reduced once together


def test_the_throughput_of_a_rank_counts_the_tokens_of_every_rank(prepared: Path) -> None:
    config = experiment(prepared, data={"grad_accum_steps": 2})
    opened = _open_run(config, pytest.fail, RANK_OF_TWO, torch.device("cpu"), False, None)
    stream = io.StringIO()
    reporter = ProgressReporter(stream, 6, interactive=False, clock=lambda: 5.0)
    config.train.runtime.out_dir.mkdir()

    _log(opened, reporter, _Window(5.0, 1), 3, 2.5, 0.01)

    # 4 x 16 tokens x 2 micro steps x 2 ranks x 2 iterations in the shortest measurable time
    assert tokens_per_second(stream.getvalue().splitlines()) == ["512,000,000,000"]
    assert records(config, "train") == [{"kind": "train", "iter": 3, "loss": 2.5, "lr": 0.01}]
