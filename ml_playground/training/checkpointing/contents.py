"""What a checkpoint carries besides its weights, so that it can be sampled and resumed alone.

Format 2 adds the tokenizer and the fingerprint of the prepared data to format 1's model
settings and vocabulary size. All of it is plain data (dicts, lists, strings, numbers), which
``torch.load(weights_only=True)`` reads without running code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from ml_playground.configuration.merge import LayeredConfig, Source
from ml_playground.configuration.models import ModelConfig, heads_error
from ml_playground.configuration.validation import build_model
from ml_playground.core.errors import (
    CheckpointError,
    CheckpointMismatchError,
    ConfigError,
    DataError,
)
from ml_playground.core.text_tokenizers import Tokenizer, tokenizer_from_meta
from ml_playground.data_pipeline.dataset_files import DatasetMeta
from ml_playground.training.run_files import FRESH_HINT

CHECKPOINT_FORMAT = 2


@dataclass(frozen=True)
class CheckpointInfo:
    model_config: ModelConfig
    vocab_size: int
    iteration: int
    best_val_loss: float
    tokenizer: Tokenizer | None
    """None in format 1 checkpoints, which predate it (as does ``data_fingerprint``)."""
    data_fingerprint: str | None


def self_description(
    model_config: ModelConfig, tokenizer: Tokenizer, data_fingerprint: str
) -> dict[str, object]:
    """The entries beside the weights that make a checkpoint usable without its data folder."""
    return {
        "format_version": CHECKPOINT_FORMAT,
        "model_config": asdict(model_config),
        "vocab_size": tokenizer.vocab_size,
        "tokenizer": tokenizer.to_meta(),
        "data_fingerprint": data_fingerprint,
    }


def _invalid(path: Path, key: str, expected: str, value: object) -> CheckpointError:
    return CheckpointError(f"checkpoint {path}: {key}: expected {expected}, got {value!r}")


def _count(state: Mapping[str, Any], key: str, path: Path, low: int) -> int:
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _invalid(path, key, f"an integer >= {low}", value)
    return value


def _model_config(raw: object, path: Path) -> ModelConfig:
    if not isinstance(raw, dict) or not raw:
        raise CheckpointError(
            f"checkpoint {path}: model_config: expected the model settings, got {raw!r}"
        )
    table = cast("dict[str, object]", raw)
    layered = LayeredConfig()
    layered.add({"model_config": table}, Source(str(path), path.parent))
    try:
        config = build_model(ModelConfig, layered, ("model_config",))
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint {path}: {exc.key_path}: {exc.expected}") from None
    if (heads := heads_error(config)) is not None:
        raise CheckpointError(f"checkpoint {path}: model_config.n_embd: {heads}")
    return config


def describe(state: Mapping[str, Any], path: Path) -> CheckpointInfo:
    """The checked settings of a loaded checkpoint; anything missing or malformed is a
    CheckpointError naming the file and the entry."""
    model_config = _model_config(state.get("model_config"), path)
    vocab_size = _count(state, "vocab_size", path, 1)
    iteration = _count(state, "iteration", path, 0)
    best = state.get("best_val_loss")
    if isinstance(best, bool) or not isinstance(best, int | float) or math.isnan(best):
        raise _invalid(path, "best_val_loss", "a number", best)
    tokenizer: Tokenizer | None = None
    if "tokenizer" in state:
        raw: object = state["tokenizer"]
        table = cast("dict[str, object]", raw) if isinstance(raw, dict) else {}
        try:
            tokenizer = tokenizer_from_meta(table)
        except DataError as exc:
            raise CheckpointError(f"checkpoint {path}: {exc}") from None
        if tokenizer.vocab_size != vocab_size:
            raise _invalid(
                path, "vocab_size", f"{tokenizer.vocab_size} (the tokenizer's)", vocab_size
            )
    fingerprint = state.get("data_fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise _invalid(path, "data_fingerprint", "a string", fingerprint)
    return CheckpointInfo(model_config, vocab_size, iteration, float(best), tokenizer, fingerprint)


class Restorable(Protocol):
    def load_state_dict(self, state_dict: Any, /) -> Any: ...


def restore(target: Restorable, state: Mapping[str, Any], key: str, path: Path) -> None:
    """Load ``state[key]`` into ``target``; a mismatch is a CheckpointError, not a traceback."""
    try:
        target.load_state_dict(state[key])
    except Exception as exc:  # torch raises RuntimeError, ValueError, KeyError or TypeError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"checkpoint {path}: {key}: does not fit the model it describes ({reason})"
        ) from None


def check_resumable(
    info: CheckpointInfo,
    path: Path,
    model_config: ModelConfig,
    meta: DatasetMeta,
    data_dir: Path,
    warn: Callable[[str], None],
) -> None:
    """Refuse to resume a checkpoint on other data or as another model."""
    if info.tokenizer is None:
        warn(
            f"warning: checkpoint {path} predates checkpoints that carry their tokenizer;"
            f" resuming without checking that it was trained on the data in {data_dir}"
        )
    elif info.tokenizer != meta.tokenizer:
        saved_size, prepared_size = info.tokenizer.vocab_size, meta.vocab_size
        detail = f"{saved_size} vs {prepared_size} tokens"
        if saved_size == prepared_size:
            detail = "the same number of tokens, in another order or other ones"
        raise CheckpointMismatchError(
            f"checkpoint {path} was trained with another tokenizer than the prepared data in"
            f" {data_dir} ({detail}); prepare the data it was trained on; or {FRESH_HINT}"
        )
    elif info.data_fingerprint is not None and info.data_fingerprint != meta.fingerprint:
        raise CheckpointMismatchError(
            f"checkpoint {path} was trained on other data than the prepared data in {data_dir}"
            f" (dataset fingerprint {info.data_fingerprint[:12]} vs {meta.fingerprint[:12]});"
            f" prepare the data it was trained on; or {FRESH_HINT}"
        )
    saved, current = asdict(info.model_config), asdict(model_config)
    differing = [key for key in current if key != "dropout" and saved[key] != current[key]]
    if differing or info.vocab_size != meta.vocab_size:
        detail = ", ".join(f"{k} {saved[k]!r} != {current[k]!r}" for k in differing) or (
            f"vocab_size {info.vocab_size!r} != {meta.vocab_size!r}"
        )
        raise CheckpointMismatchError(
            f"checkpoint {path} belongs to a different model ({detail});"
            f" choose another train.runtime.out_dir; or {FRESH_HINT}"
        )
