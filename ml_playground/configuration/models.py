"""Frozen, validated configuration models, one per TOML section.

Range rules live next to each field (``bounds``); the loader checks types, unknown keys and
these bounds generically, then ``cross_field_errors`` checks rules that span fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Dataset = Literal["stdlib_char", "shakespeare_char", "text"]
Device = Literal["auto", "cpu", "cuda", "mps"]
DType = Literal["float32", "bfloat16", "float16"]
ReadPolicy = Literal["best", "latest"]
TokenizerKind = Literal["char", "word", "bpe"]

MAX_VOCAB_SIZE = 65536
"""Token ids are stored as uint16."""
BYTE_TOKENS = 256
"""A byte-level BPE vocabulary holds one token per byte value before any merge."""

MAX_PARAMETERS = 10**10
"""Beyond this a model's float32 weights and AdamW state need 160 GB: far past what this
playground trains, and an allocation that would fail or swap for hours instead of an error."""


def bounds(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> dict[str, Any]:
    """Field metadata for a numeric range; open ends exclude the bound itself."""
    return {"low": low, "high": high, "low_open": low_open, "high_open": high_open}


@dataclass(frozen=True)
class DownloadConfig:
    url: str
    sha256: str
    max_bytes: int = field(metadata=bounds(1))
    timeout_s: float = field(metadata=bounds(0, low_open=True))


@dataclass(frozen=True)
class PrepareConfig:
    dataset: Dataset
    data_dir: Path
    raw_text_path: Path | None
    max_corpus_bytes: int = field(metadata=bounds(1))
    val_fraction: float = field(metadata=bounds(0, 1, low_open=True, high_open=True))
    cache_dir: Path
    tokenizer: TokenizerKind
    vocab_size: int = field(metadata=bounds(1, MAX_VOCAB_SIZE))
    """The vocabulary of ``word`` (characters plus frequent words) and ``bpe``; ``char`` takes
    the corpus's characters."""
    download: DownloadConfig


@dataclass(frozen=True)
class ModelConfig:
    n_layer: int = field(metadata=bounds(1))
    n_head: int = field(metadata=bounds(1))
    n_embd: int = field(metadata=bounds(1))
    block_size: int = field(metadata=bounds(1))
    dropout: float = field(metadata=bounds(0, 1, high_open=True))
    bias: bool


@dataclass(frozen=True)
class DataConfig:
    block_size: int = field(metadata=bounds(1))
    batch_size: int = field(metadata=bounds(1))
    grad_accum_steps: int = field(metadata=bounds(1))


@dataclass(frozen=True)
class OptimConfig:
    learning_rate: float = field(metadata=bounds(0, low_open=True))
    weight_decay: float = field(metadata=bounds(0))
    beta1: float = field(metadata=bounds(0, 1, high_open=True))
    beta2: float = field(metadata=bounds(0, 1, high_open=True))
    grad_clip: float = field(metadata=bounds(0))


@dataclass(frozen=True)
class ScheduleConfig:
    decay_lr: bool
    warmup_iters: int = field(metadata=bounds(0))
    lr_decay_iters: int = field(metadata=bounds(1))
    min_lr: float = field(metadata=bounds(0))


@dataclass(frozen=True)
class RuntimeConfig:
    out_dir: Path
    max_iters: int = field(metadata=bounds(1))
    eval_interval: int = field(metadata=bounds(1))
    eval_iters: int = field(metadata=bounds(1))
    log_interval: int = field(metadata=bounds(1))
    seed: int = field(metadata=bounds(0))
    device: Device
    dtype: DType
    compile: bool
    ema_decay: float = field(metadata=bounds(0, 1, high_open=True))
    keep_last: int = field(metadata=bounds(1))
    keep_best: int = field(metadata=bounds(1))
    read_policy: ReadPolicy


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig
    data: DataConfig
    optim: OptimConfig
    schedule: ScheduleConfig
    runtime: RuntimeConfig


@dataclass(frozen=True)
class SampleConfig:
    start: str
    num_samples: int = field(metadata=bounds(1))
    max_new_tokens: int = field(metadata=bounds(1))
    temperature: float = field(metadata=bounds(0, low_open=True))
    top_k: int = field(metadata=bounds(0))
    top_p: float = field(metadata=bounds(0, 1, low_open=True))
    seed: int = field(metadata=bounds(0))


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything one experiment needs; ``name`` and ``source`` are not TOML keys."""

    name: str
    source: Path
    prepare: PrepareConfig
    train: TrainConfig
    sample: SampleConfig


@dataclass(frozen=True)
class FieldConflict:
    """A rule spanning two fields that the configuration breaks."""

    key_path: str
    related_key_path: str
    expected: str
    also_related: tuple[str, ...] = ()
    """Further keys the rule reads; the latest source among all of them is blamed."""


def approximate_parameters(model: ModelConfig) -> int:
    """The weights of the blocks and the position embedding; the token embedding is left out
    because its size comes from the data (at most 65,536 rows of n_embd)."""
    return model.n_layer * 12 * model.n_embd**2 + model.block_size * model.n_embd


def training_bytes(train: TrainConfig, vocab_size: int) -> int:
    """A lower bound of the memory one training step needs in float32: weights, gradients and
    AdamW's two moments (16 bytes per parameter), and of one micro-batch the activations kept
    for the backward pass (about 8 floats per layer and embedding unit) and the logits."""
    model, data = train.model, train.data
    parameters = approximate_parameters(model) + vocab_size * model.n_embd
    tokens = data.batch_size * data.block_size
    activations = tokens * (8 * model.n_layer * model.n_embd + 2 * vocab_size)
    return 16 * parameters + 4 * activations


def heads_error(model: ModelConfig, prefix: str = "") -> str | None:
    """The one statement of the rule that ``n_embd`` splits evenly into ``n_head`` heads, for
    the configuration, a checkpoint's settings and the model itself; None when it holds."""
    if model.n_embd % model.n_head:
        return f"expected a multiple of {prefix}n_head ({model.n_head}), got {model.n_embd}"
    return None


def cross_field_errors(train: TrainConfig) -> list[FieldConflict]:
    """Rules spanning several fields; empty when the training configuration is consistent."""
    errors: list[FieldConflict] = []
    model, data, optim, schedule = train.model, train.data, train.optim, train.schedule
    parameters = approximate_parameters(model)
    if parameters > MAX_PARAMETERS:
        errors.append(
            FieldConflict(
                "train.model",
                "train.model.n_embd",
                f"expected at most {MAX_PARAMETERS:.0e} parameters"
                f" (12 * n_layer * n_embd**2 + block_size * n_embd), got {parameters:.2e}",
                ("train.model.n_layer", "train.model.block_size"),
            )
        )
    if data.block_size > model.block_size:
        errors.append(
            FieldConflict(
                "train.data.block_size",
                "train.model.block_size",
                f"expected at most train.model.block_size ({model.block_size}),"
                f" got {data.block_size}",
            )
        )
    if (heads := heads_error(model, "train.model.")) is not None:
        errors.append(FieldConflict("train.model.n_embd", "train.model.n_head", heads))
    if schedule.min_lr > optim.learning_rate:
        errors.append(
            FieldConflict(
                "train.schedule.min_lr",
                "train.optim.learning_rate",
                f"expected at most train.optim.learning_rate ({optim.learning_rate}),"
                f" got {schedule.min_lr}",
            )
        )
    if schedule.decay_lr and schedule.warmup_iters > schedule.lr_decay_iters:
        errors.append(
            FieldConflict(
                "train.schedule.warmup_iters",
                "train.schedule.lr_decay_iters",
                f"expected at most train.schedule.lr_decay_iters ({schedule.lr_decay_iters}),"
                f" got {schedule.warmup_iters}",
            )
        )
    return errors
