from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml_playground.configuration.loader import parse_assignment
from ml_playground.configuration.merge import deep_merge

pytestmark = pytest.mark.property

keys = st.sampled_from(["a", "b", "c", "d"])
leaves = st.one_of(st.integers(), st.booleans(), st.text(max_size=3))
tables = st.recursive(
    st.dictionaries(keys, leaves, max_size=3),
    lambda children: st.dictionaries(keys, st.one_of(leaves, children), max_size=3),
    max_leaves=12,
)


def leaf_paths(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            found.update(leaf_paths(value, (*prefix, key)))  # pyright: ignore[reportUnknownArgumentType]
        else:
            found[(*prefix, key)] = value
    return found


@given(tables, tables)
def test_every_leaf_of_the_update_wins(base: dict[str, Any], update: dict[str, Any]) -> None:
    merged = leaf_paths(deep_merge(base, update))
    for path, value in leaf_paths(update).items():
        assert merged[path] == value


def all_paths(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for key, value in table.items():
        found.add((*prefix, key))
        if isinstance(value, dict):
            found |= all_paths(value, (*prefix, key))  # pyright: ignore[reportUnknownArgumentType]
    return found


@given(tables, tables)
def test_base_leaves_survive_where_the_update_is_silent(
    base: dict[str, Any], update: dict[str, Any]
) -> None:
    merged = leaf_paths(deep_merge(base, update))
    touched = all_paths(update)
    for path, value in leaf_paths(base).items():
        if not any(path[:n] in touched for n in range(1, len(path) + 1)):
            assert merged[path] == value


@given(tables, tables, tables)
def test_merging_is_associative(a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]) -> None:
    assert deep_merge(deep_merge(a, b), c) == deep_merge(a, deep_merge(b, c))


@given(tables)
def test_empty_tables_are_identities(table: dict[str, Any]) -> None:
    assert deep_merge(table, {}) == table
    assert deep_merge({}, table) == table


@given(tables, tables)
def test_inputs_are_not_modified(base: dict[str, Any], update: dict[str, Any]) -> None:
    before = repr(base), repr(update)
    deep_merge(base, update)
    assert (repr(base), repr(update)) == before


dotted_keys = st.lists(
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4
)
scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
)


@given(dotted_keys, scalars)
def test_an_assignment_nests_its_toml_value_under_its_dotted_key(
    path: list[str], value: int | bool | float
) -> None:
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    expected: object = value
    for key in reversed(path):
        expected = {key: expected}
    assert parse_assignment(".".join(path) + "=" + text) == expected
