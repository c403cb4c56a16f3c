"""Turn a merged table into frozen config models, rejecting anything that is not exactly right."""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from ml_playground.configuration.merge import KeyPath, LayeredConfig, dotted
from ml_playground.core.errors import ConfigError

T = TypeVar("T")

NAME_MAX = 255
"""The longest file name Linux and macOS file systems take, in bytes."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""TOML's integer range; JSON overrides are held to it too, so integers fit torch and numpy."""


def build_model(cls: type[T], layered: LayeredConfig, path: KeyPath) -> T:
    """Build dataclass ``cls`` from the table at ``path``; the first problem is a ConfigError."""
    table = _table(layered, path)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in table:
        if key not in fields:
            raise ConfigError(
                layered.source_of((*path, key)).label,
                dotted((*path, key)),
                f"unknown key; expected one of: {', '.join(sorted(fields))}",
            )
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        key_path = (*path, name)
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = build_model(typing.cast(type[Any], hint), layered, key_path)
            continue
        if name not in table:
            raise ConfigError(
                layered.source_of(key_path).label, dotted(key_path), "missing required key"
            )
        values[name] = _convert(hint, table[name], layered, key_path)
        _check_bounds(field.metadata, table[name], layered, key_path)
    return cls(**values)


def _table(layered: LayeredConfig, path: KeyPath) -> Mapping[str, Any]:
    node: object = layered.data
    for depth, key in enumerate(path):
        parent = typing.cast(Mapping[str, Any], node) if isinstance(node, Mapping) else None
        if parent is None or key not in parent:
            # Equivalent: a missing table is found at the last key: depth + 2 is depth + 1.
            where = dotted(path[: depth + 1])  # pragma: no mutate
            raise ConfigError(layered.source_of(path).label, where, "missing required table")
        node = parent[key]
    if not isinstance(node, Mapping):
        raise ConfigError(
            layered.source_of(path).label, dotted(path), f"expected a table, got {node!r}"
        )
    return typing.cast(Mapping[str, Any], node)


def _fail(layered: LayeredConfig, path: KeyPath, expected: str, value: object) -> ConfigError:
    return ConfigError(
        layered.source_of(path).label, dotted(path), f"expected {expected}, got {value!r}"
    )


def _convert(hint: Any, value: object, layered: LayeredConfig, path: KeyPath) -> object:
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise _fail(layered, path, "one of " + ", ".join(repr(c) for c in choices), value)
        return value
    if origin is types.UnionType:
        if value == "":
            return None
        inner = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        return _convert(inner, value, layered, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise _fail(layered, path, "a boolean (true or false)", value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(layered, path, "an integer", value)
        if not INT64_MIN <= value <= INT64_MAX:
            raise _fail(layered, path, "a 64-bit integer", value)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(layered, path, "a number", value)
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the float range
            number = math.inf
        if not math.isfinite(number):
            raise _fail(layered, path, "a finite number", value)
        return number
    if hint is str:
        if not isinstance(value, str):
            raise _fail(layered, path, "a string", value)
        return value
    if hint is Path:
        if not isinstance(value, str) or not value or "\0" in value:
            raise _fail(layered, path, "a non-empty path string without NUL characters", value)
        if any(len(os.fsencode(part)) > NAME_MAX for part in Path(value).parts):
            raise _fail(
                layered, path, f"a path whose every part is at most {NAME_MAX} bytes", value
            )
        declared = Path(value).expanduser()
        return declared if declared.is_absolute() else layered.source_of(path).base_dir / declared
    raise TypeError(f"unsupported config field type {hint!r} at {dotted(path)}")


def _check_bounds(
    rules: Mapping[str, Any], value: object, layered: LayeredConfig, path: KeyPath
) -> None:
    if not rules or not isinstance(value, int | float):
        return
    low, high = rules["low"], rules["high"]
    too_low = low is not None and (value <= low if rules["low_open"] else value < low)
    too_high = high is not None and (value >= high if rules["high_open"] else value > high)
    if too_low or too_high:
        parts: list[str] = []
        if low is not None:
            parts.append(f"{'>' if rules['low_open'] else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if rules['high_open'] else '<='} {high:g}")
        raise _fail(layered, path, "a value " + " and ".join(parts), value)
