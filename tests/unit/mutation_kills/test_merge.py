"""Tests that kill surviving mutants of ml_playground/configuration/merge.py (see
docs/testing/mutation.md): which source a key path is blamed on, and the table-versus-value
checks of layers added under a prefix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ml_playground.configuration.merge import LayeredConfig, Source
from ml_playground.core.errors import ConfigError

pytestmark = pytest.mark.unit

DEFAULTS = Source("defaults.toml", Path("/defaults"))
EXPERIMENT = Source("exp.toml", Path("/exp"))
OVERRIDES = Source("ML_PLAYGROUND_TRAIN_OVERRIDES", Path("/cwd"))


def layered() -> LayeredConfig:
    config = LayeredConfig()
    config.add({"train": {"model": {"n_layer": 1}, "seed": 2}, "top": 1}, DEFAULTS)
    config.add({"train": {"model": {"n_layer": 3}}}, EXPERIMENT)
    config.add({"sample": {"start": "x"}}, OVERRIDES)
    return config


def test_a_leaf_is_blamed_on_the_layer_that_set_it_last() -> None:
    config = layered()
    assert config.source_of(("train", "model", "n_layer")) == EXPERIMENT
    assert config.source_of(("train", "seed")) == DEFAULTS


def test_a_path_below_a_leaf_is_blamed_on_that_leaf() -> None:
    config = layered()
    assert config.source_of(("train", "model", "n_layer", "deeper")) == EXPERIMENT
    assert config.source_of(("top", "below")) == DEFAULTS
    assert config.source_of(("train", "seed", "a", "b")) == DEFAULTS


def test_a_table_is_blamed_on_the_last_leaf_recorded_inside_it() -> None:
    config = layered()
    assert config.source_of(("train",)) == DEFAULTS
    assert config.source_of(("train", "model")) == EXPERIMENT
    assert config.source_of(("nowhere",)) == OVERRIDES


def test_sources_are_immutable_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.label = "other"  # type: ignore[misc]
    assert {DEFAULTS, Source("defaults.toml", Path("/defaults"))} == {DEFAULTS}


def test_a_value_under_a_prefix_cannot_replace_a_table() -> None:
    config = layered()
    with pytest.raises(ConfigError) as raised:
        config.add({"seed": 4, "model": 5}, OVERRIDES, prefix=("train",))
    assert (raised.value.source, raised.value.key_path) == (OVERRIDES.label, "train.model")
    assert raised.value.expected == "expected a table, got 5"


def test_a_new_key_does_not_stop_the_checks_of_the_keys_after_it() -> None:
    config = layered()
    with pytest.raises(ConfigError) as raised:
        config.add({"train": {"new": 1, "model": {"n_layer": {"x": 1}}}}, OVERRIDES)
    assert raised.value.key_path == "train.model.n_layer"
    assert raised.value.expected == "expected a value, not a table, got {'x': 1}"


def test_a_prefix_into_a_value_is_checked_against_nothing() -> None:
    config = layered()
    config.add({"x": 1}, OVERRIDES, prefix=("top", "inner"))
    assert config.data["top"] == {"inner": {"x": 1}}
