"""The training loop: data → GPT → AdamW with warmup/cosine schedule → checkpoints and metrics.

Randomness is a pure function of (seed, iteration, rank): every step reseeds its batch generator
and torch's global generator (dropout). A resumed run therefore needs no saved RNG state and
follows the uninterrupted run's loss curve bit for bit on the same machine.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import torch
from torch.nn.parallel import DistributedDataParallel

from ml_playground.configuration.models import ExperimentConfig, ModelConfig
from ml_playground.core.atomic_files import atomic_write_bytes
from ml_playground.core.devices import autocast_for, resolve_device
from ml_playground.core.errors import CheckpointError
from ml_playground.data_pipeline.dataset_files import load_tokens, read_meta
from ml_playground.data_pipeline.sampling.batches import sample_batch
from ml_playground.models.gpt import GPT
from ml_playground.models.utils.estimator import estimate_loss
from ml_playground.training.checkpointing.manager import CheckpointManager
from ml_playground.training.distributed import SINGLE_PROCESS, ProcessGroup, join, leave
from ml_playground.training.ema import ExponentialMovingAverage
from ml_playground.training.optim.lr_scheduler import learning_rate_at
from ml_playground.training.optim.optimizer import build_optimizer
from ml_playground.training.progress import ProgressReporter

CHECKPOINT_FORMAT = 1


@dataclass(frozen=True)
class TrainingOutcome:
    iterations: int
    best_val_loss: float
    last_val_loss: float | None
    interrupted: bool
    checkpoint: Path | None


def checkpoint_dir(out_dir: Path) -> Path:
    return out_dir / "checkpoints"


def metrics_path(out_dir: Path) -> Path:
    return out_dir / "metrics.jsonl"


def step_seed(seed: int, iteration: int, rank: int) -> int:
    return seed + 1_000_003 * iteration + 7_919 * rank


def train(
    config: ExperimentConfig,
    *,
    reporter: ProgressReporter,
    warn: Callable[[str], None],
    should_stop: Callable[[], bool] = lambda: False,
    group: ProcessGroup = SINGLE_PROCESS,
) -> TrainingOutcome:
    """Train (or resume) the experiment's model; returns when done or when asked to stop."""
    device = join(group, resolve_device(config.train.runtime.device))
    try:
        return _train(config, reporter, warn, should_stop, group, device)
    finally:
        leave(group)


def _train(
    config: ExperimentConfig,
    reporter: ProgressReporter,
    warn: Callable[[str], None],
    should_stop: Callable[[], bool],
    group: ProcessGroup,
    device: torch.device,
) -> TrainingOutcome:
    train_cfg = config.train
    runtime, data_cfg, schedule = train_cfg.runtime, train_cfg.data, train_cfg.schedule
    data_dir = config.prepare.data_dir
    meta = read_meta(data_dir)
    splits = {"train": load_tokens(data_dir, "train"), "val": load_tokens(data_dir, "val")}
    autocast = autocast_for(device, runtime.dtype)

    torch.random.manual_seed(runtime.seed)  # pyright: ignore[reportUnknownMemberType]
    raw_model = GPT(train_cfg.model, meta.vocab_size).to(device)
    optimizer = build_optimizer(raw_model, train_cfg.optim, device.type)
    ema = ExponentialMovingAverage(raw_model, runtime.ema_decay) if runtime.ema_decay else None
    scaler = torch.amp.GradScaler(  # pyright: ignore[reportPrivateImportUsage]
        device.type, enabled=runtime.dtype == "float16" and device.type == "cuda"
    )
    manager = CheckpointManager(
        checkpoint_dir(runtime.out_dir),
        keep_last=runtime.keep_last,
        keep_best=runtime.keep_best,
        warn=warn,
    )

    start_iter, best_val_loss = 0, math.inf
    resumed = manager.latest_for_resume()
    if resumed is not None:
        state = resumed.state
        _check_compatible(state, train_cfg.model, meta.vocab_size, resumed.file.path)
        raw_model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if ema is not None and state.get("ema"):
            ema.load_state_dict(state["ema"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        start_iter, best_val_loss = int(state["iteration"]), float(state["best_val_loss"])
        if group.is_main:
            reporter.message(f"resuming from {resumed.file.path} at iteration {start_iter}")
    if group.is_main:
        _rewind_metrics(metrics_path(runtime.out_dir), start_iter)

    model: torch.nn.Module = raw_model
    if runtime.compile:
        model = torch.compile(model)  # pyright: ignore[reportAssignmentType]
    if group.world_size > 1:
        model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )

    batch_generator = torch.Generator(device="cpu")
    eval_generator = torch.Generator(device="cpu")

    def eval_batch(split: str) -> tuple[torch.Tensor, torch.Tensor]:
        return sample_batch(
            splits[split], data_cfg.block_size, data_cfg.batch_size, eval_generator, device
        )

    def evaluate() -> dict[str, float]:
        eval_generator.manual_seed(runtime.seed)
        applied = ema.applied_to(raw_model) if ema is not None else contextlib.nullcontext()
        with applied:
            return estimate_loss(raw_model, eval_batch, runtime.eval_iters, autocast=autocast)

    def checkpoint_state(iteration: int) -> dict[str, Any]:
        return {
            "format_version": CHECKPOINT_FORMAT,
            "iteration": iteration,
            "best_val_loss": best_val_loss,
            "model": raw_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "ema": ema.state_dict() if ema is not None else {},
            "scaler": scaler.state_dict() if scaler.is_enabled() else {},
            "model_config": asdict(train_cfg.model),
            "vocab_size": meta.vocab_size,
        }

    tokens_per_iter = (
        data_cfg.batch_size * data_cfg.block_size * data_cfg.grad_accum_steps * group.world_size
    )
    micro_steps = data_cfg.grad_accum_steps
    last_val_loss: float | None = None
    last_checkpoint: Path | None = None
    interrupted = False
    iteration = start_iter
    reporter.begin(start_iter)
    window_start, window_iter = reporter.clock(), start_iter
    model.train()
    while iteration < runtime.max_iters:
        if _stop_requested(should_stop, group):
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

        if not group.is_main:
            continue
        finished = iteration == runtime.max_iters
        if iteration % runtime.log_interval == 0 or finished:
            now = reporter.clock()
            elapsed = max(now - window_start, 1e-9)
            tokens_per_s = tokens_per_iter * (iteration - window_iter) / elapsed
            window_start, window_iter = now, iteration
            train_loss = loss.item() * micro_steps
            reporter.step(iteration, train_loss, lr, tokens_per_s)
            _append_metrics(
                metrics_path(runtime.out_dir),
                {"kind": "train", "iter": iteration, "loss": train_loss, "lr": lr},
            )
        if iteration % runtime.eval_interval == 0 or finished:
            losses = evaluate()
            last_val_loss = losses["val"]
            improved = last_val_loss < best_val_loss
            best_val_loss = min(best_val_loss, last_val_loss)
            _append_metrics(
                metrics_path(runtime.out_dir),
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
            window_start = reporter.clock()
    if interrupted and group.is_main and iteration > start_iter:
        last_checkpoint = manager.save(checkpoint_state(iteration), iteration, best=False)
    reporter.close()
    return TrainingOutcome(iteration, best_val_loss, last_val_loss, interrupted, last_checkpoint)


def _stop_requested(should_stop: Callable[[], bool], group: ProcessGroup) -> bool:
    """Any rank's stop request stops every rank at the same iteration."""
    stop = should_stop()
    if group.world_size == 1:
        return stop
    flag = torch.tensor([1.0 if stop else 0.0])
    torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
    return bool(flag.item())


def _check_compatible(
    state: dict[str, Any], model_cfg: ModelConfig, vocab_size: int, path: Path
) -> None:
    saved = state.get("model_config", {})
    current = asdict(model_cfg)
    differing = [key for key in current if key != "dropout" and saved.get(key) != current[key]]
    if differing or state.get("vocab_size") != vocab_size:
        detail = ", ".join(f"{k} {saved.get(k)!r} != {current[k]!r}" for k in differing) or (
            f"vocab_size {state.get('vocab_size')!r} != {vocab_size!r}"
        )
        raise CheckpointError(
            f"checkpoint {path} belongs to a different model ({detail});"
            " choose another train.runtime.out_dir or delete that directory"
        )


def _append_metrics(path: Path, record: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def _rewind_metrics(path: Path, iteration: int) -> None:
    """Drop records past the checkpoint a run resumes from, so the file holds one curve."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line)["iter"] <= iteration]
    if len(kept) != len(lines):
        atomic_write_bytes(path, "".join(kept).encode("utf-8"))
