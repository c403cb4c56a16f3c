"""Shards of a full run: parsing ``--shard``, weighing modules by their expected seconds,
splitting them evenly and finding every shard's session to combine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import map_file
from tools.mutation.results import Mutant, Outcome
from tools.mutation.shards import (
    COMMAND_OVERHEAD,
    expected_seconds,
    parse_shard,
    shard_modules,
    shard_sessions,
    write_plan,
)

pytestmark = pytest.mark.unit

WEIGHTS = {"a.py": 10.0, "b.py": 8.0, "c.py": 5.0, "d.py": 4.0, "e.py": 3.0}


def test_shards_are_filled_heaviest_first_into_the_lightest() -> None:
    modules = sorted(WEIGHTS)
    # a (10) -> 1; b (8) -> 2; c (5) -> 2 (8 < 10); d (4) -> 1 (10 < 13); e (3) -> 2 (13 < 14)
    assert shard_modules(modules, WEIGHTS, 1, 2) == ["a.py", "d.py"]
    assert shard_modules(modules, WEIGHTS, 2, 2) == ["b.py", "c.py", "e.py"]
    assert shard_modules(modules, WEIGHTS, 1, 1) == modules
    # A module without a weight weighs nothing: both go where the load is lightest.
    assert shard_modules(["big.py", "x.py", "y.py"], {"big.py": 5.0}, 1, 2) == ["big.py"]
    assert shard_modules(["big.py", "x.py", "y.py"], {"big.py": 5.0}, 2, 2) == ["x.py", "y.py"]


def test_shards_are_filled_by_weight_not_by_name() -> None:
    weights = {"a.py": 1.0, "b.py": 2.0, "c.py": 3.0}
    # c (3) -> 1; b (2) -> 2; a (1) -> 2 (2 < 3)
    assert shard_modules(sorted(weights), weights, 1, 2) == ["c.py"]
    assert shard_modules(sorted(weights), weights, 2, 2) == ["a.py", "b.py"]


def test_modules_without_a_weight_come_after_every_weighed_one() -> None:
    modules = ["a.py", "b.py", "c.py"]
    # a (0.5) -> 1; b and c (nothing) -> 2, the lighter one
    assert shard_modules(modules, {"a.py": 0.5}, 1, 2) == ["a.py"]
    assert shard_modules(modules, {"a.py": 0.5}, 2, 2) == ["b.py", "c.py"]


def test_a_huge_shard_count_leaves_all_but_the_first_shards_empty(tmp_path: Path) -> None:
    huge = 10**12
    assert shard_modules(["a.py", "b.py"], WEIGHTS, 1, huge) == ["a.py"]
    assert shard_modules(["a.py", "b.py"], WEIGHTS, 2, huge) == ["b.py"]
    assert shard_modules(["a.py", "b.py"], WEIGHTS, huge, huge) == []
    shard(tmp_path, 1, huge, ["a.py"], split=["a.py"])
    assert refused(tmp_path) == (
        f"missing shard session(s) {[f'shard-{k}-of-{huge}.json' for k in range(2, 12)]}"
    )


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_every_module_lands_in_exactly_one_shard(count: int) -> None:
    modules = sorted(f"m{i}.py" for i in range(12))
    weights = {module: float((i * 7) % 11 + 1) for i, module in enumerate(modules)}
    shards = [shard_modules(modules, weights, index, count) for index in range(1, count + 1)]
    assert sorted(m for chosen in shards for m in chosen) == modules
    loads = [sum(weights[m] for m in chosen) for chosen in shards]
    assert max(loads) - min(loads) <= max(weights.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/2", "--shard 0/2: K must be from 1 to 2"),
        ("3/2", "--shard 3/2: K must be from 1 to 2"),
        ("1/0", "--shard '1/0': expected K/N, such as 2/4"),
        ("-1/2", "--shard '-1/2': expected K/N, such as 2/4"),
        ("2", "--shard '2': expected K/N, such as 2/4"),
    ],
)
def test_a_shard_out_of_range_or_malformed_is_refused(text: str, message: str) -> None:
    with pytest.raises(MutationError) as refused:
        parse_shard(text)
    assert str(refused.value) == message


def test_a_shard_is_its_index_and_count() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard("1/1") == (1, 1)


def mutant(module: str, line: int, outcome: Outcome, end_line: int | None = None) -> Mutant:
    return Mutant(
        job_id=f"{module}:{line}",
        module=module,
        operator="core/NumberReplacer",
        occurrence=0,
        line=line,
        column=0,
        end_line=line if end_line is None else end_line,
        outcome=outcome,
    )


def write_map(
    directory: Path, module: str, tests: list[tuple[str, float]], lines: dict[int, list[int]]
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    rows = [[test, cpu, cpu] for test, cpu in tests]
    data = {"tests": rows, "lines": {str(k): v for k, v in lines.items()}}
    map_file(directory, module).write_text(json.dumps(data), encoding="utf-8")


def test_a_module_weighs_what_its_mutants_left_to_run_are_expected_to_take(
    tmp_path: Path,
) -> None:
    tests = [("t.py::fast", 0.25), ("t.py::middle", 1.0), ("t.py::slow", 30.0)]
    write_map(tmp_path, "pkg/a.py", tests, {3: [0], 4: [0, 1], 5: [2]})
    write_map(tmp_path, "pkg/b.py", [("t.py::fast", 0.25)], {1: [0]})
    mutants = [
        mutant("pkg/a.py", 3, Outcome.PENDING),  # fast
        mutant("pkg/a.py", 4, Outcome.PENDING),  # fast + middle, within the budget
        mutant("pkg/a.py", 5, Outcome.PENDING),  # slow alone: the first test always runs
        mutant("pkg/a.py", 3, Outcome.PENDING, end_line=5),  # fast + middle; slow is over
        mutant("pkg/a.py", 9, Outcome.PENDING),  # no test ran line 9: all, within the budget
        mutant("pkg/a.py", 3, Outcome.SKIPPED),  # filtered: costs nothing
        mutant("pkg/b.py", 1, Outcome.SURVIVED),  # already run: costs nothing
    ]
    seconds = expected_seconds(mutants, tmp_path, budget=1.5)
    assert seconds == pytest.approx(
        {"pkg/a.py": 5 * COMMAND_OVERHEAD + 0.25 + 1.25 + 30.0 + 1.25 + 1.25, "pkg/b.py": 0.0}
    )


def test_a_mutant_without_tests_costs_the_half_second_of_its_test_command(
    tmp_path: Path,
) -> None:
    write_map(tmp_path, "pkg/c.py", [], {})
    mutants = [mutant("pkg/c.py", 1, Outcome.PENDING), mutant("pkg/c.py", 2, Outcome.PENDING)]
    assert expected_seconds(mutants, tmp_path, budget=1.5) == {"pkg/c.py": 1.0}


SPLIT = ["a.py", "b.py", "c.py"]


def shard(
    directory: Path,
    k: int,
    n: int,
    modules: list[str],
    stamp: str = "map-1",
    split: list[str] = SPLIT,
) -> Path:
    """Shard k of n as a run leaves it: its plan and, if it ran a module, its session."""
    session = directory / f"shard-{k}-of-{n}.sqlite"
    write_plan(session, stamp, split, modules)
    if modules:
        session.write_bytes(b"")
    return session


def refused(directory: Path) -> str:
    with pytest.raises(MutationError) as raised:
        shard_sessions(directory)
    return str(raised.value).removeprefix(f"{directory.as_posix()}: ")


def test_shards_that_ran_every_module_once_combine_and_an_empty_one_has_no_session(
    tmp_path: Path,
) -> None:
    first = shard(tmp_path, 1, 3, ["b.py"])
    shard(tmp_path, 2, 3, [])
    third = shard(tmp_path, 3, 3, ["a.py", "c.py"])
    assert shard_sessions(tmp_path) == [first, third]


def test_a_missing_shard_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path) == "no shard sessions of one run to combine"
    shard(tmp_path, 1, 3, ["a.py", "b.py"])
    shard(tmp_path, 3, 3, ["c.py"])
    assert refused(tmp_path) == "missing shard session(s) ['shard-2-of-3.json']"
    shard(tmp_path, 2, 3, [])
    assert len(shard_sessions(tmp_path)) == 2
    (tmp_path / "shard-3-of-3.sqlite").unlink()  # its plan came, its session was lost
    assert refused(tmp_path) == "missing shard session(s) ['shard-3-of-3.sqlite']"
    shard(tmp_path, 1, 2, ["a.py"])
    assert refused(tmp_path) == "no shard sessions of one run to combine"


def test_shards_weighed_on_different_maps_are_refused(tmp_path: Path) -> None:
    shard(tmp_path, 1, 2, ["a.py"], stamp="map-1")
    shard(tmp_path, 2, 2, ["b.py", "c.py"], stamp="map-2")
    assert refused(tmp_path) == (
        "the shards were weighed on different test maps; run them again on one map"
        " (--map-only first)"
    )
    shard(tmp_path, 2, 2, ["b.py", "c.py"], split=["a.py", "b.py"])
    assert refused(tmp_path).startswith("the shards were weighed on different test maps")


def test_a_module_run_twice_or_never_is_refused(tmp_path: Path) -> None:
    shard(tmp_path, 1, 2, ["a.py", "b.py"])
    shard(tmp_path, 2, 2, ["b.py"])
    assert refused(tmp_path) == "the shards ran ['b.py'] more than once and ['c.py'] never"


def test_a_module_run_twice_is_refused_even_when_none_was_left_out(tmp_path: Path) -> None:
    shard(tmp_path, 1, 2, ["a.py", "b.py"])
    shard(tmp_path, 2, 2, ["b.py", "c.py"])
    assert refused(tmp_path) == "the shards ran ['b.py'] more than once and [] never"


def test_a_module_left_out_is_refused_even_when_none_ran_twice(tmp_path: Path) -> None:
    shard(tmp_path, 1, 2, ["a.py"])
    shard(tmp_path, 2, 2, ["b.py"])
    assert refused(tmp_path) == "the shards ran [] more than once and ['c.py'] never"


def test_a_missing_first_shard_is_named_too(tmp_path: Path) -> None:
    shard(tmp_path, 2, 3, ["a.py", "b.py"])
    shard(tmp_path, 3, 3, ["c.py"])
    assert refused(tmp_path) == "missing shard session(s) ['shard-1-of-3.json']"
