"""Splitting a full run into shards that take about as long, and finding every shard's session.

A shard is a set of whole modules (one cosmic-ray session cannot hold part of a module's
mutants and leave the rest to another). Modules are weighed by the seconds their mutants are
expected to take: for each mutant left to run, the overhead of one test command plus the
recorded seconds of the tests the command would pick for its lines (:mod:`pytest_client`'s
own choice). Module size is a poor proxy: a module whose lines the end-to-end tests execute
costs several times one of the same size with fast unit tests.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import pick_tests
from tools.mutation.results import Mutant, Outcome

COMMAND_OVERHEAD = 0.5
"""Seconds of one mutant's test command beyond its tests' own: an estimate that errs long (it
weighed the first full run's mutants at 82 min, which took 66; docs/testing/mutation.md)."""


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as ``(K, N)``; :class:`MutationError` unless 1 <= K <= N."""
    found = re.fullmatch(r"(\d+)/(\d+)", text, re.ASCII)
    if found is None or int(found[2]) == 0:
        raise MutationError(f"--shard {text!r}: expected K/N, such as 2/4")
    index, count = int(found[1]), int(found[2])
    if not 1 <= index <= count:
        raise MutationError(f"--shard {text}: K must be from 1 to {count}")
    return index, count


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
    bins = min(count, len(modules))  # more shards than modules: the rest are empty
    # Equivalent: any start works that all shards share: only their differences are compared.
    loads = [0.0] * bins  # pragma: no mutate
    chosen: list[list[str]] = [[] for _ in range(bins)]
    for module in sorted(modules, key=lambda m: (-weights.get(m, 0.0), m)):
        lightest = loads.index(min(loads))
        chosen[lightest].append(module)
        loads[lightest] += weights.get(module, 0.0)
    return sorted(chosen[index - 1]) if index <= bins else []


def plan_file(session: Path) -> Path:
    return session.with_suffix(".json")


def write_plan(session: Path, stamp: str, split: Sequence[str], modules: Sequence[str]) -> None:
    """Beside a shard's session, the map it was weighed on, the modules it was split from and
    its own: :func:`shard_sessions` checks the shards split one list on one map, once."""
    plan = {"map": stamp, "split": list(split), "modules": list(modules)}
    plan_file(session).write_text(json.dumps(plan), encoding="utf-8")


def shard_sessions(directory: Path) -> list[Path]:
    """The sessions of every shard, ``shard-K-of-N.sqlite`` for K from 1 to N, once each shard's
    plan shows that together they ran every module of one split exactly once. A missing
    shard (a lost artifact) or shards weighed on different maps (their splits differ) would
    let a module pass the gate unmeasured, or count it twice."""
    found = sorted(directory.glob("shard-*-of-*.json"))
    counts = {p.stem.rpartition("-of-")[2] for p in found}
    if len(counts) != 1 or not next(iter(counts)).isdigit():
        raise MutationError(f"{directory.as_posix()}: no shard sessions of one run to combine")
    count = int(next(iter(counts)))
    if len(found) != count:  # name the first few missing, not all of a huge N
        present = {p.name for p in found}
        every = (f"shard-{k}-of-{count}.json" for k in range(1, count + 1))
        missing = list(itertools.islice((n for n in every if n not in present), 10))
        raise MutationError(f"{directory.as_posix()}: missing shard session(s) {missing}")
    names = [f"shard-{k}-of-{count}" for k in range(1, count + 1)]
    plans = {n: json.loads((directory / f"{n}.json").read_text(encoding="utf-8")) for n in names}
    if len({(plan["map"], tuple(plan["split"])) for plan in plans.values()}) != 1:
        raise MutationError(
            f"{directory.as_posix()}: the shards were weighed on different test maps; run them"
            " again on one map (--map-only first)"
        )
    ran = Counter(m for plan in plans.values() for m in plan["modules"])
    split = next(iter(plans.values()))["split"]
    twice = sorted(m for m, times in ran.items() if times > 1)
    never = sorted(set(split) - set(ran))
    if twice or never:
        raise MutationError(
            f"{directory.as_posix()}: the shards ran {twice} more than once and {never} never"
        )
    sessions = [directory / f"{n}.sqlite" for n in names]
    lost = [
        p.name
        for n, p in zip(names, sessions, strict=True)
        if plans[n]["modules"] and not p.is_file()
    ]
    if lost:
        raise MutationError(f"{directory.as_posix()}: missing shard session(s) {lost}")
    return [p for p in sessions if p.is_file()]
