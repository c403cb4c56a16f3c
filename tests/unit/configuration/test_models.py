"""The configuration models: every numeric bound holds at both of its edges, the rules that span
fields accept their limit and refuse the step past it, every model is frozen, and the memory
estimate of a training step follows its formula."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ml_playground.configuration.loader import validate
from ml_playground.configuration.merge import LayeredConfig, Source
from ml_playground.configuration.models import (
    DataConfig,
    ExperimentConfig,
    FieldConflict,
    ModelConfig,
    bounds,
    training_bytes,
)
from ml_playground.core.errors import ConfigError

pytestmark = pytest.mark.unit

BASE_SOURCE = Source("base.toml", Path("/exp"))
OVERRIDE_SOURCE = Source("override.toml", Path("/exp"))

# A valid configuration in which every field can reach either edge of its bound without
# breaking a rule that spans fields (one head, data block 1, no warmup, min_lr 0).
BASE: dict[str, Any] = {
    "prepare": {
        "dataset": "stdlib_char",
        "data_dir": "/exp/data",
        "raw_text_path": "",
        "max_corpus_bytes": 1000,
        "val_fraction": 0.1,
        "cache_dir": "/exp/cache",
        "tokenizer": "char",
        "vocab_size": 512,
        "download": {"url": "", "sha256": "", "max_bytes": 1000, "timeout_s": 30.0},
    },
    "train": {
        "model": {
            "n_layer": 2,
            "n_head": 1,
            "n_embd": 8,
            "block_size": 8,
            "dropout": 0.0,
            "bias": False,
        },
        "data": {"block_size": 1, "batch_size": 2, "grad_accum_steps": 1},
        "optim": {
            "learning_rate": 1e-3,
            "weight_decay": 0.1,
            "beta1": 0.9,
            "beta2": 0.99,
            "grad_clip": 1.0,
        },
        "schedule": {"decay_lr": True, "warmup_iters": 0, "lr_decay_iters": 100, "min_lr": 0.0},
        "runtime": {
            "out_dir": "/exp/out",
            "max_iters": 100,
            "eval_interval": 50,
            "eval_iters": 5,
            "log_interval": 10,
            "seed": 1,
            "device": "cpu",
            "dtype": "float32",
            "compile": False,
            "ema_decay": 0.0,
            "keep_last": 2,
            "keep_best": 1,
            "read_policy": "best",
        },
    },
    "sample": {
        "start": "x",
        "num_samples": 1,
        "max_new_tokens": 10,
        "temperature": 0.8,
        "top_k": 0,
        "top_p": 1.0,
        "seed": 1,
    },
}

JUST_BELOW_ONE = 1 - 1e-9
TINY = 1e-9


def nested(assignments: dict[str, object]) -> dict[str, Any]:
    """``{"a.b": 1}`` as the table ``{"a": {"b": 1}}``."""
    table: dict[str, Any] = {}
    for key, value in assignments.items():
        *parents, leaf = key.split(".")
        node = table
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return table


def load(**assignments: object) -> ExperimentConfig:
    """The base configuration with the dotted ``assignments`` (``__`` for ``.``) laid over it."""
    layered = LayeredConfig()
    layered.add(BASE, BASE_SOURCE)
    layered.add(
        nested({key.replace("__", "."): value for key, value in assignments.items()}),
        OVERRIDE_SOURCE,
    )
    return validate(layered, "exp", Path("/exp/config.toml"))


def load_key(key: str, value: object) -> ExperimentConfig:
    return load(**{key.replace(".", "__"): value})


def refusal(key: str, value: object) -> tuple[str, str, str]:
    with pytest.raises(ConfigError) as raised:
        load_key(key, value)
    return raised.value.source, raised.value.key_path, raised.value.expected


def lookup(config: object, key: str) -> object:
    for part in key.split("."):
        config = getattr(config, part)
    return config


# (key, the bound as the error states it, values just inside, values just outside)
BOUNDS: list[tuple[str, str, list[object], list[object]]] = [
    ("prepare.max_corpus_bytes", ">= 1", [1], [0]),
    ("prepare.val_fraction", "> 0 and < 1", [TINY, JUST_BELOW_ONE], [0.0, 1.0]),
    ("prepare.vocab_size", ">= 1 and <= 65536", [1, 65536], [0, 65537]),
    ("prepare.download.max_bytes", ">= 1", [1], [0]),
    ("prepare.download.timeout_s", "> 0", [TINY], [0.0]),
    ("train.model.n_layer", ">= 1", [1], [0]),
    ("train.model.n_head", ">= 1", [1], [0]),
    ("train.model.n_embd", ">= 1", [1], [0]),
    ("train.model.block_size", ">= 1", [1], [0]),
    ("train.model.dropout", ">= 0 and < 1", [0.0, JUST_BELOW_ONE], [-TINY, 1.0]),
    ("train.data.block_size", ">= 1", [1], [0]),
    ("train.data.batch_size", ">= 1", [1], [0]),
    ("train.data.grad_accum_steps", ">= 1", [1], [0]),
    ("train.optim.learning_rate", "> 0", [TINY], [0.0]),
    ("train.optim.weight_decay", ">= 0", [0.0], [-TINY]),
    ("train.optim.beta1", ">= 0 and < 1", [0.0, JUST_BELOW_ONE], [-TINY, 1.0]),
    ("train.optim.beta2", ">= 0 and < 1", [0.0, JUST_BELOW_ONE], [-TINY, 1.0]),
    ("train.optim.grad_clip", ">= 0", [0.0], [-TINY]),
    ("train.schedule.warmup_iters", ">= 0", [0], [-1]),
    ("train.schedule.lr_decay_iters", ">= 1", [1], [0]),
    ("train.schedule.min_lr", ">= 0", [0.0], [-TINY]),
    ("train.runtime.max_iters", ">= 1", [1], [0]),
    ("train.runtime.eval_interval", ">= 1", [1], [0]),
    ("train.runtime.eval_iters", ">= 1", [1], [0]),
    ("train.runtime.log_interval", ">= 1", [1], [0]),
    ("train.runtime.seed", ">= 0", [0], [-1]),
    ("train.runtime.ema_decay", ">= 0 and < 1", [0.0, JUST_BELOW_ONE], [-TINY, 1.0]),
    ("train.runtime.keep_last", ">= 1", [1], [0]),
    ("train.runtime.keep_best", ">= 1", [1], [0]),
    ("sample.num_samples", ">= 1", [1], [0]),
    ("sample.max_new_tokens", ">= 1", [1], [0]),
    ("sample.temperature", "> 0", [TINY], [0.0]),
    ("sample.top_k", ">= 0", [0], [-1]),
    ("sample.top_p", "> 0 and <= 1", [TINY, 1.0], [0.0, 1 + 1e-9]),
    ("sample.seed", ">= 0", [0], [-1]),
]

INSIDE = [(key, value) for key, _, inside, _ in BOUNDS for value in inside]
OUTSIDE = [(key, rule, value) for key, rule, _, outside in BOUNDS for value in outside]


def test_the_base_configuration_is_valid() -> None:
    config = load()
    assert config.name == "exp"
    assert config.train.model.n_head == 1


@pytest.mark.parametrize(("key", "value"), INSIDE, ids=[f"{k}={v!r}" for k, v in INSIDE])
def test_a_value_on_the_inner_edge_of_its_bound_is_accepted(key: str, value: object) -> None:
    assert lookup(load_key(key, value), key) == value


@pytest.mark.parametrize(
    ("key", "rule", "value"), OUTSIDE, ids=[f"{k}={v!r}" for k, _, v in OUTSIDE]
)
def test_a_value_just_past_its_bound_is_refused_naming_the_field(
    key: str, rule: str, value: object
) -> None:
    assert refusal(key, value) == (
        "override.toml",
        key,
        f"expected a value {rule}, got {value!r}",
    )


def test_bounds_take_their_ends_by_keyword_and_default_to_closed_ends() -> None:
    assert bounds(high=1) == {"low": None, "high": 1, "low_open": False, "high_open": False}
    assert bounds(low=2) == {"low": 2, "high": None, "low_open": False, "high_open": False}
    assert bounds(0, 1, low_open=True, high_open=True) == {
        "low": 0,
        "high": 1,
        "low_open": True,
        "high_open": True,
    }


# n_layer = n_embd = 1: 12 * 1 * 1 + block_size * 1 parameters.
PARAMETER_LIMIT_BLOCK = 10**10 - 12


def test_a_model_of_exactly_the_parameter_limit_is_accepted() -> None:
    config = load(
        train__model__n_layer=1,
        train__model__n_embd=1,
        train__model__block_size=PARAMETER_LIMIT_BLOCK,
    )
    assert config.train.model.block_size == PARAMETER_LIMIT_BLOCK


def test_a_model_one_parameter_past_the_limit_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        load(
            train__model__n_layer=1,
            train__model__n_embd=1,
            train__model__block_size=PARAMETER_LIMIT_BLOCK + 1,
        )
    assert (raised.value.source, raised.value.key_path, raised.value.expected) == (
        "override.toml",
        "train.model",
        "expected at most 1e+10 parameters (12 * n_layer * n_embd**2 + block_size * n_embd),"
        " got 1.00e+10",
    )


def test_min_lr_may_equal_the_learning_rate_but_not_exceed_it() -> None:
    assert load(train__schedule__min_lr=1e-3).train.schedule.min_lr == 1e-3
    assert refusal("train.schedule.min_lr", 2e-3) == (
        "override.toml",
        "train.schedule.min_lr",
        "expected at most train.optim.learning_rate (0.001), got 0.002",
    )


def test_warmup_may_last_until_the_decay_ends_but_not_longer() -> None:
    assert load(train__schedule__warmup_iters=100).train.schedule.warmup_iters == 100
    assert refusal("train.schedule.warmup_iters", 101) == (
        "override.toml",
        "train.schedule.warmup_iters",
        "expected at most train.schedule.lr_decay_iters (100), got 101",
    )


def test_a_bpe_vocabulary_needs_one_token_per_byte() -> None:
    assert load(prepare__tokenizer="bpe", prepare__vocab_size=256).prepare.vocab_size == 256
    with pytest.raises(ConfigError) as raised:
        load(prepare__tokenizer="bpe", prepare__vocab_size=255)
    assert (raised.value.key_path, raised.value.expected) == (
        "prepare.vocab_size",
        'expected at least 256 (one token per byte) when prepare.tokenizer = "bpe", got 255',
    )


@pytest.mark.parametrize(
    "part",
    [
        "",
        "prepare",
        "prepare.download",
        "train",
        "train.model",
        "train.data",
        "train.optim",
        "train.schedule",
        "train.runtime",
        "sample",
    ],
)
def test_every_configuration_model_is_frozen(part: str) -> None:
    model: Any = lookup(load(), part) if part else load()
    name = dataclasses.fields(model)[0].name
    before = getattr(model, name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(model, name, None)
    assert getattr(model, name) == before


def test_a_field_conflict_is_frozen() -> None:
    conflict = FieldConflict("a.b", "a.c", "expected more")
    with pytest.raises(dataclasses.FrozenInstanceError):
        conflict.expected = "other"  # type: ignore[misc]
    assert conflict.also_related == ()


def test_training_bytes_counts_weights_optimizer_state_activations_and_logits() -> None:
    base = load().train
    train = dataclasses.replace(
        base,
        model=ModelConfig(n_layer=2, n_head=1, n_embd=3, block_size=5, dropout=0.0, bias=False),
        data=DataConfig(block_size=4, batch_size=7, grad_accum_steps=1),
    )
    # parameters: 2 * 12 * 3**2 + 5 * 3 (blocks, positions) + 11 * 3 (tokens) = 264
    # activations: 7 * 4 tokens * (8 * 2 * 3 + 2 * 11) = 1960
    assert training_bytes(train, 11) == 16 * 264 + 4 * 1960
    assert training_bytes(train, 11) == 12064
