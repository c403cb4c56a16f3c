"""The training loop: data → GPT → AdamW with warmup/cosine schedule → checkpoints and metrics.

Randomness is a pure function of (seed, iteration, rank): every step reseeds its batch generator
and torch's global generator (dropout). A resumed run therefore needs no saved RNG state and
follows the uninterrupted run's loss curve bit for bit on the same machine.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import torch
from torch.nn.parallel import DistributedDataParallel

from ml_playground.configuration.models import DataConfig, ExperimentConfig, RuntimeConfig
from ml_playground.core.devices import autocast_for, resolve_device
from ml_playground.core.errors import CheckpointError, RunError
from ml_playground.data_pipeline.dataset_files import SPLITS, TokenArray, load_tokens, read_meta
from ml_playground.data_pipeline.sampling.batches import sample_batch
from ml_playground.models.gpt import GPT
from ml_playground.models.utils.estimator import AutocastFactory, estimate_loss
from ml_playground.training.checkpointing.contents import (
    check_resumable,
    describe,
    restore,
    self_description,
)
from ml_playground.training.checkpointing.manager import (
    KINDS,
    CheckpointManager,
    LoadedCheckpoint,
)
from ml_playground.training.distributed import SINGLE_PROCESS, ProcessGroup, join, leave
from ml_playground.training.ema import ExponentialMovingAverage
from ml_playground.training.optim.lr_scheduler import learning_rate_at
from ml_playground.training.optim.optimizer import build_optimizer
from ml_playground.training.progress import ProgressReporter, startup_summary
from ml_playground.training.run_files import (
    FRESH_HINT,
    append_metrics,
    check_writable,
    checkpoint_dir,
    has_history,
    metrics_path,
    move_later_checkpoints_aside,
    move_run_aside,
    rewind_metrics,
)

__all__ = [
    "Evaluation",
    "TrainingOutcome",
    "check_finite_losses",
    "checkpoint_dir",
    "evaluate_checkpoint",
    "metrics_path",
    "step_seed",
    "train",
]


@dataclass(frozen=True)
class TrainingOutcome:
    iterations: int
    best_val_loss: float
    last_val_loss: float | None
    interrupted: bool
    checkpoint: Path | None


def step_seed(seed: int, iteration: int, rank: int) -> int:
    return seed + 1_000_003 * iteration + 7_919 * rank


def train(
    config: ExperimentConfig,
    *,
    reporter: ProgressReporter,
    warn: Callable[[str], None],
    should_stop: Callable[[], bool] = lambda: False,
    group: ProcessGroup = SINGLE_PROCESS,
    fresh: bool = False,
    start_from: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TrainingOutcome:
    """Train (or resume) the experiment's model; returns when done or when asked to stop.

    ``fresh`` starts over, moving the previous run's checkpoints and metrics aside (``clock``
    names the folder they go to). ``start_from`` (``best``, ``last`` or a path) resumes from
    that checkpoint instead of the newest: later checkpoints of the run, or a whole other run
    in ``out_dir``, are moved aside first.
    """
    out_dir = config.train.runtime.out_dir
    if group.is_main:
        if fresh and (moved := move_run_aside(out_dir, clock())) is not None:
            reporter.message(f"starting over; the previous run was moved to {moved}")
        if start_from is not None and (moved := _go_back(config, start_from, warn, clock)):
            reporter.message(f"going back to --from {start_from}; {moved}")
        check_writable(out_dir)
    device = join(group, resolve_device(config.train.runtime.device))
    try:
        return _train(config, reporter, warn, should_stop, group, device, fresh, start_from)
    finally:
        reporter.close()
        leave(group)


def _train(
    config: ExperimentConfig,
    reporter: ProgressReporter,
    warn: Callable[[str], None],
    should_stop: Callable[[], bool],
    group: ProcessGroup,
    device: torch.device,
    fresh: bool,
    start_from: str | None,
) -> TrainingOutcome:
    train_cfg = config.train
    runtime, data_cfg, schedule = train_cfg.runtime, train_cfg.data, train_cfg.schedule
    data_dir = config.prepare.data_dir
    meta = read_meta(data_dir)
    splits = {split: load_tokens(data_dir, split) for split in SPLITS}
    autocast = autocast_for(device, runtime.dtype)

    torch.random.manual_seed(runtime.seed)  # pyright: ignore[reportUnknownMemberType]
    raw_model = GPT(train_cfg.model, meta.vocab_size).to(device)
    optimizer = build_optimizer(raw_model, train_cfg.optim, device.type)
    ema = ExponentialMovingAverage(raw_model, runtime.ema_decay) if runtime.ema_decay else None
    scaler = torch.amp.GradScaler(  # pyright: ignore[reportPrivateImportUsage]
        device.type, enabled=runtime.dtype == "float16" and device.type == "cuda"
    )
    manager = _manager(runtime, warn)

    tokens_per_iter = (
        data_cfg.batch_size * data_cfg.block_size * data_cfg.grad_accum_steps * group.world_size
    )
    start_iter, best_val_loss = 0, math.inf
    resumed = None if fresh else _resume_point(manager, runtime.out_dir, start_from)
    if resumed is not None:
        state, path = resumed.state, resumed.file.path
        info = describe(state, path)
        check_resumable(info, path, train_cfg.model, meta, data_dir, warn)
        restore(raw_model, state, "model", path)
        restore(optimizer, state, "optimizer", path)
        if ema is not None and state.get("ema"):
            restore(ema, state, "ema", path)
        if state.get("scaler"):
            restore(scaler, state, "scaler", path)
        start_iter, best_val_loss = info.iteration, info.best_val_loss
        if group.is_main:
            reporter.message(f"resuming from {path} at iteration {start_iter}")
    if group.is_main:
        summary = startup_summary(
            str(device),
            runtime.dtype,
            sum(p.numel() for p in raw_model.parameters()),
            tokens_per_iter,
            (meta.train_tokens, meta.val_tokens),
            manager.directory,
        )
        reporter.message(summary)
        rewind_metrics(runtime.out_dir, start_iter, warn)

    model: torch.nn.Module = raw_model
    if runtime.compile:
        model = torch.compile(model)  # pyright: ignore[reportAssignmentType]
    if group.world_size > 1:
        model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )

    batch_generator = torch.Generator(device="cpu")

    def evaluate() -> dict[str, float]:
        return evaluate_model(raw_model, ema, splits, data_cfg, runtime, device, autocast)

    description = self_description(train_cfg.model, meta.tokenizer, meta.fingerprint)

    def checkpoint_state(iteration: int) -> dict[str, Any]:
        return {
            **description,
            "iteration": iteration,
            "best_val_loss": best_val_loss,
            "model": raw_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "ema": ema.state_dict() if ema is not None else {},
            "scaler": scaler.state_dict() if scaler.is_enabled() else {},
        }

    micro_steps = data_cfg.grad_accum_steps
    last_val_loss: float | None = None
    last_checkpoint: Path | None = None
    last_good = resumed.file.path if resumed is not None else None
    interrupted = False
    iteration = start_iter
    reporter.begin(start_iter)
    window_start, window_iter = reporter.clock(), start_iter
    model.train()
    while iteration < runtime.max_iters:
        if _any_rank(should_stop(), group, device):
            interrupted = True
            break
        lr = learning_rate_at(iteration, train_cfg.optim.learning_rate, schedule)
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        batch_generator.manual_seed(step_seed(runtime.seed, iteration, group.rank))
        torch.random.manual_seed(  # pyright: ignore[reportUnknownMemberType]
            step_seed(runtime.seed, iteration, group.rank)
        )
        loss = torch.zeros(())
        for micro in range(micro_steps):
            x, y = sample_batch(
                splits["train"], data_cfg.block_size, data_cfg.batch_size, batch_generator, device
            )
            accumulating = micro < micro_steps - 1
            no_sync = (
                model.no_sync()
                if accumulating and isinstance(model, DistributedDataParallel)
                else contextlib.nullcontext()
            )
            with no_sync, autocast():
                _, micro_loss = model(x, y)
                loss = cast(torch.Tensor, micro_loss) / micro_steps
            scaler.scale(loss).backward()  # pyright: ignore[reportUnknownMemberType]
        if train_cfg.optim.grad_clip > 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(raw_model.parameters(), train_cfg.optim.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        if ema is not None:
            ema.update(raw_model)
        iteration += 1

        finished = iteration == runtime.max_iters
        log_now = iteration % runtime.log_interval == 0 or finished
        eval_now = iteration % runtime.eval_interval == 0 or finished
        if (log_now or eval_now) and _any_rank(
            not _finite(loss, raw_model if eval_now else None), group, device
        ):
            raise _diverged(iteration, loss.item() * micro_steps, last_good)
        if not group.is_main:
            continue
        if log_now:
            now = reporter.clock()
            elapsed = max(now - window_start, 1e-9)
            tokens_per_s = tokens_per_iter * (iteration - window_iter) / elapsed
            window_start, window_iter = now, iteration
            train_loss = loss.item() * micro_steps
            reporter.step(iteration, train_loss, lr, tokens_per_s)
            append_metrics(
                runtime.out_dir, {"kind": "train", "iter": iteration, "loss": train_loss, "lr": lr}
            )
        if eval_now:
            losses = evaluate()
            check_finite_losses(losses, iteration, last_good)
            last_val_loss = losses["val"]
            improved = last_val_loss < best_val_loss
            best_val_loss = min(best_val_loss, last_val_loss)
            append_metrics(
                runtime.out_dir,
                {
                    "kind": "eval",
                    "iter": iteration,
                    "train_loss": losses["train"],
                    "val_loss": losses["val"],
                    "lr": lr,
                },
            )
            reporter.message(
                f"iter {iteration}: train loss {losses['train']:.4f}, val loss {last_val_loss:.4f}"
            )
            last_checkpoint = manager.save(checkpoint_state(iteration), iteration, best=improved)
            last_good = last_checkpoint
            window_start = reporter.clock()
    if interrupted and group.is_main and iteration > start_iter:
        if not _finite(None, raw_model):
            raise _diverged(iteration, math.nan, last_good)
        last_checkpoint = manager.save(checkpoint_state(iteration), iteration, best=False)
    return TrainingOutcome(iteration, best_val_loss, last_val_loss, interrupted, last_checkpoint)


def _any_rank(flag: bool, group: ProcessGroup, device: torch.device) -> bool:
    """True on every rank when true on any, so that all ranks act at the same iteration.
    The tensor lives on the training device: NCCL reduces CUDA tensors only."""
    if group.world_size == 1:
        return flag
    tensor = torch.tensor([1.0 if flag else 0.0], device=device)
    torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MAX)
    return bool(tensor.item())


def _finite(loss: torch.Tensor | None, model: torch.nn.Module | None) -> bool:
    """Whether the loss and every weight of ``model`` (each when given) are finite numbers."""
    if loss is not None and not bool(torch.isfinite(loss)):
        return False
    return model is None or all(bool(p.isfinite().all()) for p in model.parameters())


def check_finite_losses(losses: dict[str, float], iteration: int, last_good: Path | None) -> None:
    """Evaluated losses must be finite before their checkpoint is saved."""
    if not all(math.isfinite(value) for value in losses.values()):
        raise _diverged(iteration, losses["val"], last_good)


def _diverged(iteration: int, loss: float, last_good: Path | None) -> RunError:
    kept = f"the last good checkpoint is {last_good}" if last_good else "no checkpoint was saved"
    return RunError(
        f"training diverged at iteration {iteration} (loss {loss}): stopped without saving;"
        f" {kept}. A lower train.optim.learning_rate may help"
    )


def _manager(runtime: RuntimeConfig, warn: Callable[[str], None]) -> CheckpointManager:
    return CheckpointManager(
        checkpoint_dir(runtime.out_dir),
        keep_last=runtime.keep_last,
        keep_best=runtime.keep_best,
        warn=warn,
    )


def _resume_point(
    manager: CheckpointManager, out_dir: Path, start_from: str | None = None
) -> LoadedCheckpoint | None:
    """The checkpoint ``start_from`` names or else the newest readable one; an earlier run is
    never silently started over."""
    if start_from is not None:
        return manager.chosen(start_from)
    try:
        resumed = manager.latest_for_resume()
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}; {FRESH_HINT}") from None
    if resumed is None and has_history(out_dir):
        raise RunError(
            f"{metrics_path(out_dir)} records an earlier run, but no checkpoint is left to"
            f" resume it from; {FRESH_HINT}"
        )
    return resumed


def _go_back(
    config: ExperimentConfig,
    start_from: str,
    warn: Callable[[str], None],
    clock: Callable[[], datetime],
) -> str | None:
    """Move aside what resuming from ``start_from`` would overwrite; says where, or None."""
    out_dir = config.train.runtime.out_dir
    manager = _manager(config.train.runtime, warn)
    chosen = manager.chosen(start_from)
    path = chosen.file.path
    if path.resolve().parent != manager.directory.resolve():
        moved = move_run_aside(out_dir, clock())
        return f"the run that was in {out_dir} was moved to {moved}" if moved else None
    iteration = describe(chosen.state, path).iteration
    later = [f.path for kind in KINDS for f in manager.files(kind) if f.iteration > iteration]
    moved = move_later_checkpoints_aside(out_dir, later, clock())
    return f"the later checkpoints were moved to {moved}" if moved else None


def evaluate_model(
    model: torch.nn.Module,
    ema: ExponentialMovingAverage | None,
    splits: dict[str, TokenArray],
    data: DataConfig,
    runtime: RuntimeConfig,
    device: torch.device,
    autocast: AutocastFactory,
) -> dict[str, float]:
    """Mean train and val loss on batches drawn from ``runtime.seed``: the same batches at
    every evaluation, with the EMA weights when there are any."""
    generator = torch.Generator(device="cpu").manual_seed(runtime.seed)

    def batch(split: str) -> tuple[torch.Tensor, torch.Tensor]:
        return sample_batch(splits[split], data.block_size, data.batch_size, generator, device)

    applied = ema.applied_to(model) if ema is not None else contextlib.nullcontext()
    with applied:
        return estimate_loss(model, batch, runtime.eval_iters, autocast=autocast)


@dataclass(frozen=True)
class Evaluation:
    checkpoint: Path
    iteration: int
    losses: dict[str, float]


def evaluate_checkpoint(
    config: ExperimentConfig, *, warn: Callable[[str], None], start_from: str | None = None
) -> Evaluation:
    """The train and val loss of a checkpoint (``start_from``, else the one training would
    resume), as training evaluates it; writes nothing."""
    runtime, data_dir = config.train.runtime, config.prepare.data_dir
    device = resolve_device(runtime.device)
    meta = read_meta(data_dir)
    splits = {split: load_tokens(data_dir, split) for split in SPLITS}
    manager = _manager(runtime, warn)
    loaded = _resume_point(manager, runtime.out_dir, start_from)
    if loaded is None:
        raise CheckpointError(f"no checkpoint in {manager.directory}; run `ml-playground train`")
    state, path = loaded.state, loaded.file.path
    info = describe(state, path)
    check_resumable(info, path, config.train.model, meta, data_dir, warn)
    model = GPT(config.train.model, meta.vocab_size).to(device)
    restore(model, state, "model", path)
    ema = None
    if runtime.ema_decay and state.get("ema"):
        ema = ExponentialMovingAverage(model, runtime.ema_decay)
        restore(ema, state, "ema", path)
    autocast = autocast_for(device, runtime.dtype)
    losses = evaluate_model(model, ema, splits, config.train.data, runtime, device, autocast)
    return Evaluation(path, info.iteration, losses)
