"""Which tests execute each line: the map that picks the tests of every mutant.

One run of the whole suite under coverage.py with this module as a pytest plugin
(``-p tools.mutation.coverage_map``), which names coverage's context after each test in its
process and the processes it starts, and records its seconds; :func:`build` writes each
module's tests and, for each line, those that executed it. The run is also the baseline: a test
that fails in it fails the map. docs/testing/mutation.md tells the rules.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import shutil
import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import cast

import coverage
import pytest

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import INDEX_NAME, map_file
from tools.process import output_tail, run

DURATIONS_VARIABLE = "ML_PLAYGROUND_MUTATION_DURATIONS"
"""The directory where the plugin writes the seconds each test took (set by :func:`build`)."""
SUBPROCESS_CONFIG = "COVERAGE_PROCESS_CONFIG"
# Equivalent: a backstop for a suite that hangs; no test runs one for hours.
MAP_TIMEOUT = 4 * 3600.0  # pragma: no mutate
TOOLS_ROOT = Path(__file__).resolve().parents[2]
"""The directory ``tools`` is in: the plugin is imported from there, whatever the project."""
_durations: dict[str, tuple[float, float]] = {}
"""Each test's CPU seconds and wall seconds."""


def with_context(serialized: str, context: str) -> str:
    """coverage.py's serialized config (base64 of JSON) with its static context replaced."""
    data = json.loads(base64.b64decode(serialized))
    data["context"] = context
    return base64.b64encode(json.dumps(data).encode()).decode()


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it waited for. Unlike wall time, a
    loaded machine hardly changes them, so the tests a mutant gets do not depend on what else
    ran while the map was built."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _no_context(context: str) -> None:
    """Where nothing is measured, there is no context to switch."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    measuring = coverage.Coverage.current()
    switch_context = _no_context if measuring is None else measuring.switch_context
    inherited = os.environ.get(SUBPROCESS_CONFIG)
    if inherited is not None:
        os.environ[SUBPROCESS_CONFIG] = with_context(inherited, item.nodeid)
    cpu, wall = cpu_seconds(), time.perf_counter()
    # Only the test runs in its context: the lines of this wrapper, which run around every
    # test, are no test's, so their mutants go to this module's own tests.
    switch_context(item.nodeid)
    try:
        return (yield)
    finally:
        switch_context("")
        _durations[item.nodeid] = (cpu_seconds() - cpu, time.perf_counter() - wall)
        if inherited is not None:
            os.environ[SUBPROCESS_CONFIG] = inherited


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
    write_durations(os.environ.get(DURATIONS_VARIABLE), worker, _durations)


def write_durations(
    directory: str | None, worker: str, durations: Mapping[str, tuple[float, float]]
) -> None:
    """Each process (an xdist worker or a lone pytest) writes the tests it ran to a file of
    its own in the directory :data:`DURATIONS_VARIABLE` names (xdist's controller runs none)."""
    if directory and durations:
        text = json.dumps(durations, sort_keys=True)
        atomic_write_bytes(Path(directory) / f"{worker}.json", text.encode())


def read_durations(directory: Path) -> dict[str, tuple[float, float]]:
    """The CPU and wall seconds of every test, from the files of all the processes that ran
    tests."""
    durations: dict[str, tuple[float, float]] = {}
    for path in sorted(directory.glob("*.json")):
        for test, (cpu, wall) in json.loads(path.read_text(encoding="utf-8")).items():
            durations[test] = (float(cpu), float(wall))
    return durations


def fingerprint(repo: Path, files: Iterable[str]) -> str:
    """A hash of the names and contents of ``files``: the map is stale when it changes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(os.fsencode(name) + b"\0" + (repo / name).read_bytes() + b"\0")
    return digest.hexdigest()


def module_map(
    contexts_by_line: Mapping[int, Iterable[str]],
    durations: Mapping[str, tuple[float, float]],
    stem: str = "",
) -> dict[str, object]:
    """One module's map: its tests, least CPU first (``[node id, CPU seconds, wall seconds]``)
    and, per line, the indexes of the tests that executed it (lines no test executed, or that
    ran at import, are left out). Its tests are those that executed a line of it and those of
    its own test files (``test_<stem>.py``), which may only read what its import made (a
    class's field bounds)."""
    executed = {c for contexts in contexts_by_line.values() for c in contexts if c in durations}
    own = {
        t for t in durations if stem and PurePosixPath(t.partition("::")[0]).stem == f"test_{stem}"
    }
    tests = sorted(executed | own, key=lambda t: (durations[t], t))
    index = {test: i for i, test in enumerate(tests)}
    lines: dict[str, list[int]] = {}
    for line, contexts in sorted(contexts_by_line.items()):
        chosen = sorted(index[c] for c in set(contexts) if c in index)
        # A line that ran at import ("": outside any test) is left out, as is one no test ran:
        # its mutants go to the module's own tests first. The tests that ran it in a process of
        # their own (a CLI run) imported it too, but need not look at what it defines.
        if chosen and "" not in contexts:
            lines[str(line)] = chosen
    rows = [[t, round(durations[t][0], 3), round(durations[t][1], 3)] for t in tests]
    return {"tests": rows, "lines": lines}


def is_current(directory: Path, stamp: str) -> bool:
    try:
        index = json.loads((directory / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(index, dict) and cast("dict[str, object]", index).get("fingerprint") == stamp


def build(
    repo: Path,
    modules: Sequence[str],
    directory: Path,
    *,
    stamp: str,
    pytest_args: Sequence[str],
    env: Mapping[str, str],
    workers: int,
) -> None:
    """Run the suite under coverage with test contexts and write the map of ``modules``."""
    directory.mkdir(parents=True, exist_ok=True)
    # Not current until every module's map is written: a build cut short is rebuilt.
    (directory / INDEX_NAME).unlink(missing_ok=True)
    data_file = directory / ".coverage"
    for old in directory.glob(".coverage*"):
        old.unlink()
    durations_dir = directory / "durations"
    shutil.rmtree(durations_dir, ignore_errors=True)
    durations_dir.mkdir()
    command = [
        *("python", "-m", "coverage", "run", f"--data-file={data_file}", "-m", "pytest"),
        *("-p", "xdist.plugin", "-n", str(workers), "-p", "tools.mutation.coverage_map"),
        *pytest_args,
        "tests",
    ]
    # The project first (every process a test starts imports it from here, as in a mutant's
    # run), then the plugin's own directory.
    roots = (str(repo), str(TOOLS_ROOT), env.get("PYTHONPATH", ""))
    path = os.pathsep.join(dict.fromkeys(p for p in roots if p))
    # The map's measurement is its own, even when this process is itself measured.
    variables = {k: v for k, v in env.items() if not k.startswith("COVERAGE_PROCESS_")}
    variables |= {DURATIONS_VARIABLE: str(durations_dir), "PYTHONPATH": path}
    # In a session of its own, killed with all it started when the wait is cut short (Ctrl-C).
    result = run(command, repo, variables, timeout=MAP_TIMEOUT)
    if not result.ok:
        tail = output_tail(result)
        raise MutationError(f"the test suite failed without any mutant (the baseline):\n{tail}")
    combined = run(
        ["python", "-m", "coverage", "combine", f"--data-file={data_file}", "--quiet"], repo, env
    )
    if not combined.ok:
        raise MutationError(f"coverage combine failed:\n{output_tail(combined)}")
    durations = read_durations(durations_dir)
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    measured = {Path(name).as_posix(): name for name in data.measured_files()}
    for module in modules:
        name = measured.get(module) or measured.get((repo / module).as_posix())
        by_line = data.contexts_by_lineno(name) if name else {}
        text = json.dumps(module_map(by_line, durations, PurePosixPath(module).stem))
        atomic_write_bytes(map_file(directory, module), text.encode())
    index = {"fingerprint": stamp, "modules": list(modules)}
    atomic_write_bytes(directory / INDEX_NAME, json.dumps(index).encode())
