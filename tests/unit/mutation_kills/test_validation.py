"""Tests that kill surviving mutants of ml_playground/configuration/validation.py (see
docs/testing/mutation.md): missing tables named by their full path, booleans refused for
numbers, empty paths refused, and open lower bounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ml_playground.configuration.merge import LayeredConfig, Source
from ml_playground.configuration.models import bounds
from ml_playground.configuration.validation import build_model
from ml_playground.core.errors import ConfigError

pytestmark = pytest.mark.unit

SOURCE = Source("exp.toml", Path("/exp"))


@dataclass(frozen=True)
class Inner:
    rate: float = field(metadata=bounds(0, low_open=True))
    where: Path


@dataclass(frozen=True)
class Outer:
    inner: Inner


def config(table: dict[str, object]) -> LayeredConfig:
    layered = LayeredConfig()
    layered.add({"anchor": 0}, SOURCE)
    layered.data.update(table)  # shapes the merge itself would refuse
    return layered


def error(cls: type[object], table: dict[str, object], path: tuple[str, ...]) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        build_model(cls, config(table), path)
    return raised.value


def test_a_missing_table_is_named_by_its_full_path() -> None:
    assert error(Outer, {"top": {}}, ("top",)).key_path == "top.inner"
    assert error(Outer, {}, ("top",)).key_path == "top"
    assert error(Inner, {"top": 5}, ("top", "inner")).key_path == "top.inner"
    assert error(Inner, {"top": 5}, ("top", "inner")).expected == "missing required table"


def test_a_boolean_is_not_a_number() -> None:
    raised = error(Inner, {"top": {"rate": True, "where": "a"}}, ("top",))
    assert (raised.key_path, raised.expected) == ("top.rate", "expected a number, got True")


@pytest.mark.parametrize("where", ["", 5])
def test_a_path_must_be_a_non_empty_string(where: object) -> None:
    raised = error(Inner, {"top": {"rate": 1.0, "where": where}}, ("top",))
    assert (
        raised.expected == f"expected a non-empty path string without NUL characters, got {where!r}"
    )


def test_an_open_lower_bound_refuses_the_bound_itself() -> None:
    raised = error(Inner, {"top": {"rate": 0, "where": "a"}}, ("top",))
    assert (raised.key_path, raised.expected) == ("top.rate", "expected a value > 0, got 0")
    built = build_model(Inner, config({"top": {"rate": 0.5, "where": "a"}}), ("top",))
    assert built == Inner(0.5, Path("/exp/a"))
    assert built.rate == 0.5
