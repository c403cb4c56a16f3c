"""Building a config dataclass from merged TOML tables: each kind of bad value is refused with
the file, the dotted key and what was expected."""

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
class Named:
    name: str
    share: float = field(metadata=bounds(high=1))


@dataclass(frozen=True)
class Unsupported:
    values: list[int]


def layered(table: dict[str, object]) -> LayeredConfig:
    config = LayeredConfig()
    config.add(table, SOURCE)
    return config


def refusal(table: dict[str, object]) -> tuple[str, str, str]:
    with pytest.raises(ConfigError) as raised:
        build_model(Named, layered(table), ("top",))
    return raised.value.source, raised.value.key_path, raised.value.expected


def test_a_missing_key_is_named() -> None:
    assert refusal({"top": {"share": 0.5}}) == ("exp.toml", "top.name", "missing required key")


def test_a_value_where_a_table_belongs_is_refused() -> None:
    assert refusal({"top": 3}) == ("exp.toml", "top", "expected a table, got 3")


def test_a_string_field_refuses_a_number() -> None:
    assert refusal({"top": {"name": 7, "share": 0.5}}) == (
        "exp.toml",
        "top.name",
        "expected a string, got 7",
    )


def test_an_upper_bound_alone_is_stated_alone() -> None:
    assert refusal({"top": {"name": "a", "share": 1.5}}) == (
        "exp.toml",
        "top.share",
        "expected a value <= 1, got 1.5",
    )
    built = build_model(Named, layered({"top": {"name": "a", "share": -3}}), ("top",))
    assert built == Named("a", -3.0)
    assert built.share == -3.0


def test_a_field_type_without_a_converter_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match=r"unsupported config field type list\[int\] at top.values"):
        build_model(Unsupported, layered({"top": {"values": [1]}}), ("top",))


@dataclass(frozen=True)
class Numbers:
    count: int
    rate: float
    where: Path


def numbers(count: object = 1, rate: object = 0.5, where: object = "a") -> Numbers:
    table: dict[str, object] = {"top": {"count": count, "rate": rate, "where": where}}
    return build_model(Numbers, layered(table), ("top",))


def numbers_refusal(**values: object) -> tuple[str, str]:
    with pytest.raises(ConfigError) as raised:
        numbers(**values)
    return raised.value.key_path, raised.value.expected


@pytest.mark.parametrize("count", [-(2**63), 2**63 - 1])
def test_integers_at_the_64_bit_limits_are_accepted(count: int) -> None:
    assert numbers(count=count).count == count


@pytest.mark.parametrize("count", [-(2**63) - 1, 2**63])
def test_integers_beyond_64_bits_are_refused(count: int) -> None:
    assert numbers_refusal(count=count) == (
        "top.count",
        f"expected a 64-bit integer, got {count}",
    )


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (10**400, "1" + "0" * 400),
    ],
)
def test_a_number_must_be_finite(rate: object, shown: str) -> None:
    assert numbers_refusal(rate=rate) == ("top.rate", f"expected a finite number, got {shown}")


def test_finite_numbers_up_to_the_float_range_are_kept_as_floats() -> None:
    assert numbers(rate=1e308).rate == 1e308
    built = numbers(rate=10**300)
    assert built.rate == 1e300
    assert isinstance(built.rate, float)


def test_a_path_with_a_nul_character_is_refused() -> None:
    assert numbers_refusal(where="a\0b") == (
        "top.where",
        "expected a non-empty path string without NUL characters, got 'a\\x00b'",
    )


def test_a_path_part_may_take_255_bytes_but_not_256() -> None:
    part = "\u00e9" * 127 + "a"
    assert numbers(where=f"run/{part}").where == Path("/exp/run") / part
    refused = "\u00e9" * 128
    assert numbers_refusal(where=f"run/{refused}") == (
        "top.where",
        f"expected a path whose every part is at most 255 bytes, got 'run/{refused}'",
    )
