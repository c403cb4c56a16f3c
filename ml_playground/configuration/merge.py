"""Deep merge of TOML-like tables that remembers which source declared every leaf."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ml_playground.core.errors import ConfigError

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """Where values came from: a label for messages and the directory relative paths resolve in."""

    label: str
    base_dir: Path


def dotted(path: KeyPath) -> str:
    return ".".join(path)


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value in ``update`` replaces the one in ``base``."""
    merged: dict[str, Any] = dict(base)
    for key, value in update.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)  # pyright: ignore[reportUnknownArgumentType]
        else:
            merged[key] = value
    return merged


class LayeredConfig:
    """Tables merged in order, with the source of every leaf value kept for error messages."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.sources: dict[KeyPath, Source] = {}
        self.layers: list[Source] = []

    def add(self, table: Mapping[str, Any], source: Source, prefix: KeyPath = ()) -> None:
        self._check_shapes(self._table_at(prefix), table, source, prefix)
        nested: Mapping[str, Any] = table
        for key in reversed(prefix):
            nested = {key: nested}
        self.data = deep_merge(self.data, nested)
        self.layers.append(source)
        self._record(table, source, prefix)

    def source_of(self, path: KeyPath) -> Source:
        """The source of ``path`` or, for a table or a missing key, of its nearest recorded part."""
        # Equivalent: the empty path is never recorded: any stop from 0 down tries the same.
        for length in range(len(path), -1, -1):  # pragma: no mutate
            found = self.sources.get(path[:length])
            if found is not None:
                return found
        candidates = [src for key, src in self.sources.items() if key[: len(path)] == path]
        if candidates:
            return candidates[-1]
        return next(reversed(self.sources.values()))

    def latest_source(self, *paths: KeyPath) -> Source:
        """Of the sources of ``paths``, the one added last: the likeliest cause of a conflict."""
        return max((self.source_of(p) for p in paths), key=self.layers.index)

    def _table_at(self, prefix: KeyPath) -> Mapping[str, Any]:
        node: object = self.data
        for key in prefix:
            node = cast(Mapping[str, Any], node).get(key, {}) if isinstance(node, Mapping) else {}
        return cast(Mapping[str, Any], node) if isinstance(node, Mapping) else {}

    def _check_shapes(
        self, base: Mapping[str, Any], update: Mapping[str, Any], source: Source, prefix: KeyPath
    ) -> None:
        for key, value in update.items():
            if key not in base:
                continue
            was_table = isinstance(base[key], Mapping)
            if was_table != isinstance(value, Mapping):
                expected = "a table" if was_table else "a value, not a table"
                raise ConfigError(
                    source.label, dotted((*prefix, key)), f"expected {expected}, got {value!r}"
                )
            if was_table:
                self._check_shapes(base[key], value, source, (*prefix, key))

    def _record(self, table: Mapping[str, Any], source: Source, prefix: KeyPath) -> None:
        for key, value in table.items():
            path = (*prefix, key)
            if isinstance(value, Mapping):
                self._record(value, source, path)  # pyright: ignore[reportUnknownArgumentType]
            else:
                self.sources[path] = source
