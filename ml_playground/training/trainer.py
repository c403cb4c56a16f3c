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

from ml_playground.configuration.models import (
    DataConfig,
    ExperimentConfig,
    RuntimeConfig,
    TrainConfig,
    training_bytes,
)
from ml_playground.core.devices import autocast_for, memory_bytes, resolve_device
from ml_playground.core.errors import CheckpointError, RunError, UsageError
from ml_playground.data_pipeline.batches import sample_batch
from ml_playground.data_pipeline.dataset_files import (
    SPLITS,
    DatasetMeta,
    TokenArray,
    load_tokens,
    read_meta,
)
from ml_playground.models.estimator import AutocastFactory, estimate_loss
from ml_playground.models.gpt import GPT
from ml_playground.training.checkpointing.contents import restore, self_description
from ml_playground.training.checkpointing.manager import (
    KINDS,
    CheckpointManager,
    LoadedCheckpoint,
)
from ml_playground.training.checkpointing.restore import fits_the_run, restore_model
from ml_playground.training.distributed import (
    SINGLE_PROCESS,
    ProcessGroup,
    join,
    leave,
    wait_for_main,
)
from ml_playground.training.ema import ExponentialMovingAverage
from ml_playground.training.optimizer import build_optimizer, learning_rate_at
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
    remove_temp_files,
    rewind_metrics,
)
from ml_playground.training.run_lock import run_lock

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
    in ``out_dir``, are moved aside first. The main process holds the run's lock throughout,
    and every check that can refuse runs before anything is moved or written.
    """
    out_dir = config.train.runtime.out_dir
    device = join(group, resolve_device(config.train.runtime.device))
    autocast_for(device, config.train.runtime.dtype)  # a dtype the device lacks: refused here
    try:
        with run_lock(out_dir) if group.is_main else contextlib.nullcontext():
            run = (
                _open_run(config, warn, group, device, fresh, start_from) if group.is_main else None
            )
            if run is not None:
                _clear_the_way(run, reporter, warn, fresh, start_from, clock)
            wait_for_main(group)
            run = run or _open_run(config, warn, group, device, fresh, start_from)
            return _train(run, reporter, should_stop)
    finally:
        reporter.close()
        leave(group)


@dataclass
class _Run:
    """What one training run works with, opened (and checked) before anything is written."""

    config: TrainConfig
    group: ProcessGroup
    device: torch.device
    meta: DatasetMeta
    splits: dict[str, TokenArray]
    model: GPT
    optimizer: torch.optim.Optimizer
    ema: ExponentialMovingAverage | None
    scaler: torch.amp.GradScaler  # pyright: ignore[reportPrivateImportUsage]
    manager: CheckpointManager
    resumed: LoadedCheckpoint | None
    start_iter: int = 0
    best_val_loss: float = math.inf

    def checkpoint_state(self, iteration: int) -> dict[str, Any]:
        return {
            **self_description(self.config.model, self.meta.tokenizer, self.meta.fingerprint),
            "iteration": iteration,
            "best_val_loss": self.best_val_loss,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else {},
            "scaler": self.scaler.state_dict(),  # {} when disabled (all but float16 on cuda)
        }


def _open_run(
    config: ExperimentConfig,
    warn: Callable[[str], None],
    group: ProcessGroup,
    device: torch.device,
    fresh: bool,
    start_from: str | None,
) -> _Run:
    """Data, model, optimizer and the checkpoint to resume, all checked; writes nothing but the
    renaming of unreadable checkpoints."""
    train_cfg, data_dir = config.train, config.prepare.data_dir
    runtime = train_cfg.runtime
    meta = read_meta(data_dir)
    check_memory(train_cfg, meta.vocab_size, device)
    splits = {split: load_tokens(data_dir, split) for split in SPLITS}
    manager = _manager(runtime, warn)
    resumed = None if fresh else _resume_point(manager, runtime.out_dir, start_from)
    torch.random.manual_seed(runtime.seed)  # pyright: ignore[reportUnknownMemberType]
    restored = None
    if resumed is None:
        model = GPT(train_cfg.model, meta.vocab_size).to(device)
    else:
        check = fits_the_run(train_cfg.model, meta, data_dir, warn)
        restored = restore_model(
            resumed, device, check, model_config=train_cfg.model, ema_decay=runtime.ema_decay
        )
        model = restored.model
    optimizer = build_optimizer(model, train_cfg.optim, device.type)
    ema = restored.ema if restored is not None else None
    if runtime.ema_decay and ema is None:
        ema = ExponentialMovingAverage(model, runtime.ema_decay)
    scaler = torch.amp.GradScaler(  # pyright: ignore[reportPrivateImportUsage]
        device.type, enabled=runtime.dtype == "float16" and device.type == "cuda"
    )
    run = _Run(
        train_cfg, group, device, meta, splits, model, optimizer, ema, scaler, manager, resumed
    )
    # Equivalent: restored is set exactly when resumed is, so `or` cannot differ from `and`.
    if resumed is not None and restored is not None:  # pragma: no mutate
        state, path = resumed.state, resumed.file.path
        restore(optimizer, state, "optimizer", path)
        if state.get("scaler"):
            restore(scaler, state, "scaler", path)
        run.start_iter, run.best_val_loss = restored.info.iteration, restored.info.best_val_loss
    return run


def _clear_the_way(
    run: _Run,
    reporter: ProgressReporter,
    warn: Callable[[str], None],
    fresh: bool,
    start_from: str | None,
    clock: Callable[[], datetime],
) -> None:
    """The main process's writes before training, once every check has passed: leftovers of a
    killed write, the run or later checkpoints moved aside, ``metrics.jsonl`` cut back."""
    out_dir = run.config.runtime.out_dir
    check_writable(out_dir)
    for path in remove_temp_files(out_dir):
        warn(f"warning: removed {path}, left by a write that was killed")
    if fresh and (moved := move_run_aside(out_dir, clock())) is not None:
        reporter.message(f"starting over; the previous run was moved to {moved}")
    chosen = run.resumed if start_from is not None else None
    if chosen is not None and (
        moved := _go_back(run.manager, out_dir, chosen, run.start_iter, clock)
    ):
        reporter.message(f"going back to --from {start_from}; {moved}")
    if run.resumed is not None:
        reporter.message(f"resuming from {run.resumed.file.path} at iteration {run.start_iter}")
    tokens = run.config.data.batch_size * run.config.data.block_size
    tokens_per_iter = tokens * run.config.data.grad_accum_steps * run.group.world_size
    summary = startup_summary(
        str(run.device),
        run.config.runtime.dtype,
        sum(p.numel() for p in run.model.parameters()),
        tokens_per_iter,
        (run.meta.train_tokens, run.meta.val_tokens),
        run.manager.directory,
    )
    reporter.message(summary)
    rewind_metrics(out_dir, run.start_iter, warn)


def _train(
    run: _Run, reporter: ProgressReporter, should_stop: Callable[[], bool]
) -> TrainingOutcome:
    """The loop: step, then log, evaluate and checkpoint at their intervals."""
    runtime, group = run.config.runtime, run.group
    model = _wrapped(run)
    iteration, last_val_loss, last_checkpoint = run.start_iter, None, None
    last_good = run.resumed.file.path if run.resumed is not None else None
    interrupted = False
    reporter.begin(iteration)
    window = _Window(reporter.clock(), iteration)
    model.train()
    while iteration < runtime.max_iters:
        if _any_rank(should_stop(), group, run.device):
            interrupted = True
            break
        lr, loss = _step(run, model, iteration)
        iteration += 1
        finished = iteration == runtime.max_iters
        log_now = iteration % runtime.log_interval == 0 or finished
        eval_now = iteration % runtime.eval_interval == 0 or finished
        if (log_now or eval_now) and _any_rank(
            not _finite(loss, run.model if eval_now else None), group, run.device
        ):
            raise _diverged(iteration, loss.item(), last_good)
        if not group.is_main:
            continue
        if log_now:
            _log(run, reporter, window, iteration, loss.item(), lr)
        if eval_now:
            last_val_loss, improved = _evaluate(run, reporter, iteration, lr, last_good)
            last_checkpoint = run.manager.save(
                run.checkpoint_state(iteration), iteration, best=improved
            )
            last_good = last_checkpoint
            window.restart(reporter.clock())
    if interrupted and group.is_main and iteration > run.start_iter:
        if not _finite(None, run.model):
            raise _diverged(iteration, math.nan, last_good)
        last_checkpoint = run.manager.save(run.checkpoint_state(iteration), iteration, best=False)
    return TrainingOutcome(
        iteration, run.best_val_loss, last_val_loss, interrupted, last_checkpoint
    )


def _wrapped(run: _Run) -> torch.nn.Module:
    """The model as the step runs it: compiled and wrapped for DDP as configured."""
    model: torch.nn.Module = run.model
    if run.config.runtime.compile:
        model = torch.compile(model)  # pyright: ignore[reportAssignmentType]
    if run.group.world_size > 1:
        device = run.device
        model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    return model


def _step(run: _Run, model: torch.nn.Module, iteration: int) -> tuple[float, torch.Tensor]:
    """One optimizer step at ``iteration``: the learning rate it used and its (whole) loss."""
    train_cfg, optimizer, scaler = run.config, run.optimizer, run.scaler
    data_cfg, micro_steps = train_cfg.data, train_cfg.data.grad_accum_steps
    lr = learning_rate_at(iteration, train_cfg.optim.learning_rate, train_cfg.schedule)
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    seed = step_seed(train_cfg.runtime.seed, iteration, run.group.rank)
    batch_generator = torch.Generator(device="cpu").manual_seed(seed)
    torch.random.manual_seed(seed)  # pyright: ignore[reportUnknownMemberType]
    autocast = autocast_for(run.device, train_cfg.runtime.dtype)
    loss = torch.zeros(())
    for micro in range(micro_steps):
        x, y = sample_batch(
            run.splits["train"],
            data_cfg.block_size,
            data_cfg.batch_size,
            batch_generator,
            run.device,
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
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), train_cfg.optim.grad_clip)
    scaler.step(optimizer)
    scaler.update()
    # Equivalent: every parameter is in the forward pass, so backward refills each gradient.
    optimizer.zero_grad(set_to_none=True)  # pragma: no mutate
    if run.ema is not None:
        run.ema.update(run.model)
    return lr, loss * micro_steps


@dataclass
class _Window:
    """Where the current throughput measurement started."""

    start: float
    iteration: int

    def restart(self, now: float, iteration: int | None = None) -> None:
        self.start = now
        if iteration is not None:
            self.iteration = iteration


def _log(
    run: _Run, reporter: ProgressReporter, window: _Window, iteration: int, loss: float, lr: float
) -> None:
    data = run.config.data
    tokens_per_iter = data.batch_size * data.block_size * data.grad_accum_steps
    now = reporter.clock()
    elapsed = max(now - window.start, 1e-9)
    tokens_per_s = tokens_per_iter * run.group.world_size * (iteration - window.iteration) / elapsed
    window.restart(now, iteration)
    reporter.step(iteration, loss, lr, tokens_per_s)
    append_metrics(
        run.config.runtime.out_dir, {"kind": "train", "iter": iteration, "loss": loss, "lr": lr}
    )


def _evaluate(
    run: _Run, reporter: ProgressReporter, iteration: int, lr: float, last_good: Path | None
) -> tuple[float, bool]:
    """Evaluate, record it; returns the val loss and whether it is the best so far."""
    runtime = run.config.runtime
    autocast = autocast_for(run.device, runtime.dtype)
    losses = evaluate_model(
        run.model, run.ema, run.splits, run.config.data, runtime, run.device, autocast
    )
    check_finite_losses(losses, iteration, last_good)
    val_loss = losses["val"]
    improved = val_loss < run.best_val_loss
    run.best_val_loss = min(run.best_val_loss, val_loss)
    record = {"kind": "eval", "iter": iteration, "train_loss": losses["train"]}
    append_metrics(runtime.out_dir, {**record, "val_loss": val_loss, "lr": lr})
    reporter.message(f"iter {iteration}: train loss {losses['train']:.4f}, val loss {val_loss:.4f}")
    return val_loss, improved


def check_memory(train_cfg: TrainConfig, vocab_size: int, device: torch.device) -> None:
    """Refuse sizes the device cannot hold before allocating them, instead of the allocator's
    traceback or the kernel's OOM killer."""
    needed, available = training_bytes(train_cfg, vocab_size), memory_bytes(device)
    if available is not None and needed > available:
        raise UsageError(
            f"train.model, train.data: the run needs at least {needed:.2e} bytes of memory"
            f" (the model, its optimizer state and the activations of batch_size x block_size"
            f" tokens), more than the {available:.2e} bytes of {device.type}; lower"
            " train.data.batch_size, block_size or the model's size"
        )


def _any_rank(flag: bool, group: ProcessGroup, device: torch.device) -> bool:
    """True on every rank when true on any, so that all ranks act at the same iteration.
    The tensor lives on the training device: NCCL reduces CUDA tensors only."""
    if group.world_size == 1:
        return flag
    tensor = torch.tensor([float(flag)], device=device)
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


def _manager(
    runtime: RuntimeConfig, warn: Callable[[str], None], move_unreadable: bool = True
) -> CheckpointManager:
    return CheckpointManager(
        checkpoint_dir(runtime.out_dir),
        keep_last=runtime.keep_last,
        keep_best=runtime.keep_best,
        warn=warn,
        move_unreadable=move_unreadable,
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
    manager: CheckpointManager,
    out_dir: Path,
    chosen: LoadedCheckpoint,
    iteration: int,
    clock: Callable[[], datetime],
) -> str | None:
    """Move aside what resuming from ``chosen`` would overwrite; says where, or None."""
    path = chosen.file.path
    if path.resolve().parent != manager.directory.resolve():
        moved = move_run_aside(out_dir, clock())
        return f"the run that was in {out_dir} was moved to {moved}" if moved else None
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
    resume), as training evaluates it; writes nothing, not even an unreadable file's rename."""
    runtime, data_dir = config.train.runtime, config.prepare.data_dir
    device = resolve_device(runtime.device)
    meta = read_meta(data_dir)
    check_memory(config.train, meta.vocab_size, device)
    splits = {split: load_tokens(data_dir, split) for split in SPLITS}
    manager = _manager(runtime, warn, move_unreadable=False)
    loaded = _resume_point(manager, runtime.out_dir, start_from)
    if loaded is None:
        raise CheckpointError(f"no checkpoint in {manager.directory}; run `ml-playground train`")
    check = fits_the_run(config.train.model, meta, data_dir, warn)
    restored = restore_model(
        loaded, device, check, model_config=config.train.model, ema_decay=runtime.ema_decay
    )
    autocast = autocast_for(device, runtime.dtype)
    losses = evaluate_model(
        restored.model, restored.ema, splits, config.train.data, runtime, device, autocast
    )
    return Evaluation(restored.path, restored.info.iteration, losses)
