"""Splitting a full run into shards that take about as long, and finding every shard's session.

A shard is a set of whole modules (one cosmic-ray session cannot hold part of a module's
mutants and leave the rest to another). Modules are weighed by the seconds their mutants are
expected to take: for each mutant left to run, the overhead of one test command plus the
recorded seconds of the tests the command would pick for its lines (:mod:`pytest_client`'s
own choice). Module size is a poor proxy: a module whose lines the end-to-end tests execute
costs several times one of the same size with fast unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import pick_tests
from tools.mutation.results import Mutant, Outcome

COMMAND_OVERHEAD = 0.5
"""Seconds of one mutant's test command beyond its tests' own (measured: 0.49 s; see
docs/testing/mutation.md)."""


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as ``(K, N)``; :class:`MutationError` unless 1 <= K <= N."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(count) > 0):
        raise MutationError(f"--shard {text!r}: expected K/N, such as 2/4")
    if not 1 <= int(index) <= int(count):
        raise MutationError(f"--shard {text}: K must be from 1 to {count}")
    return int(index), int(count)


def expected_seconds(mutants: Iterable[Mutant], map_dir: Path, budget: float) -> dict[str, float]:
    """Each module's expected seconds: :data:`COMMAND_OVERHEAD` plus the recorded CPU seconds of
    the tests the command would pick, for every mutant still to run (``mutants`` of a session
    after its filters)."""
    seconds: dict[str, float] = {}
    for mutant in mutants:
        seconds.setdefault(mutant.module, 0.0)
        if mutant.outcome is Outcome.PENDING:
            lines = range(mutant.line, mutant.end_line + 1)
            tests = pick_tests(map_dir, mutant.module, lines, budget)
            seconds[mutant.module] += COMMAND_OVERHEAD + sum(cpu for _, cpu, _ in tests)
    return seconds


def shard_modules(
    modules: Sequence[str], weights: Mapping[str, float], index: int, count: int
) -> list[str]:
    """The modules of shard ``index`` (1-based) of ``count``: heaviest first, each to the
    shard with the least weight so far, so shards are even."""
    loads = [0.0] * count
    chosen: list[list[str]] = [[] for _ in range(count)]
    for module in sorted(modules, key=lambda m: (-weights.get(m, 0.0), m)):
        lightest = loads.index(min(loads))
        chosen[lightest].append(module)
        loads[lightest] += weights.get(module, 0.0)
    return sorted(chosen[index - 1])


def shard_sessions(directory: Path) -> list[Path]:
    """The session of every shard, ``shard-K-of-N.sqlite`` for K from 1 to N; a missing one
    (a lost artifact) is an error, or its modules would pass the gate unmeasured."""
    found = sorted(directory.glob("shard-*-of-*.sqlite"))
    counts = {p.stem.rpartition("-of-")[2] for p in found}
    if len(counts) != 1 or not next(iter(counts)).isdigit():
        raise MutationError(f"{directory.as_posix()}: no shard sessions of one run to combine")
    expected = [
        directory / f"shard-{k}-of-{n}.sqlite" for n in counts for k in range(1, int(n) + 1)
    ]
    missing = [p.name for p in expected if not p.is_file()]
    if missing:
        raise MutationError(f"{directory.as_posix()}: missing shard session(s) {missing}")
    return expected
