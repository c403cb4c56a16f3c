"""Is the incremental gate fast, and does it miss nothing the full test run catches?

``python -m tools.benchmarks.bench_gate [--repo DIR] [--limit K] [--python PY] [--testmon-only]``

Clones the repository's HEAD into a temporary directory (never touching the work tree), gives
the clone its own environment (``uv sync``, or ``--python``), records the test dependencies
once (``tools.gate.run --record``), then applies each fault alone, as a one-file change to
the clean clone, and runs

- the incremental gate, ``python -m tools.gate.run`` (from the recorded data, restored to the
  clean recording before every fault), and
- the full ``tests`` selection, ``pytest tests/unit tests/property -n auto``.

The faults (``gate_faults.json``, or ``--faults``: ``{file: {name: [original, replacement]}}``)
are one-line changes the unit and property tests catch, found by their text (it must occur
once), never by line: mutants of the kind cosmic-ray kills in ``ml_playground/`` and
``tools/workflow/``, and changes no test process runs as Python lines (a file read as data, a
module a child process runs). With ``--testmon-only`` the gate records and selects without
its plugin (``tools.gate.pytest_deps``): plain pytest-testmon, the same fallback rules, which
shows what the plugin is for. It prints one line per fault, the median and maximum seconds
of each, and the faults the full run catches that the gate misses, by name. Exit codes: 0 no
miss, 1 a miss (or the clean clone fails a check), 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from tools.gate.run import PLUGIN, STRICT, TEST_DIRECTORIES
from tools.process import failure_line, run

GROUPS = ("test", "lint", "workflow", "checks")
"""The groups of ``nox -s changed``."""
FULL_TESTS = ("-m", "pytest", *TEST_DIRECTORIES, "-n", "auto", "-q")
GATE_CACHE = ".cache/gate"
WITHOUT_PLUGIN = ("--", "-p", f"no:{PLUGIN}")
"""Arguments that make the gate's pytest plain pytest-testmon (pytest blocks the plugin)."""
TIMEOUT_SECONDS = 900.0
"""A run that hangs (a test waiting forever) is stopped, with everything it started, and
counts as a failure: the user would see it fail too."""


FAULTS = Path(__file__).with_name("gate_faults.json")


class BenchError(Exception):
    """The benchmark could not run (no uv, a fault that cannot be placed, ...)."""


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    original: str
    replacement: str


@dataclass(frozen=True)
class Run:
    caught: bool
    seconds: float
    cpu: float = 0.0
    """CPU seconds of every process of the run: the cost a loaded machine cannot inflate."""


Outcome = tuple[str, Run, Run]
"""A fault's name, the gate's run and the full run."""


def locate(clone: Path, fault: Fault) -> Path:
    """The file holding the fault's text exactly once: its path or, after a move, the one
    file of the same kind below the same top directory that does."""
    path = clone / fault.path
    top = clone / Path(fault.path).parts[0]
    candidates = {path, *(top.rglob(f"*{path.suffix}") if top.is_dir() else ())}
    found = sorted(
        p
        for p in candidates
        if p.is_file() and p.read_text("utf-8", "replace").count(fault.original) == 1
    )
    if path in found:
        return path
    if len(found) != 1:
        raise BenchError(f"fault {fault.name}: {fault.original!r} is not once in {fault.path}")
    return found[0]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = TIMEOUT_SECONDS
) -> Run:
    """Run ``command``: did it fail, its wall seconds and CPU seconds (with its children)."""
    start, cpu = time.monotonic(), children_cpu()
    result = run(command, cwd, env, timeout=timeout)
    return Run(not result.ok, time.monotonic() - start, children_cpu() - cpu)


def checked(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> None:
    result = run(command, cwd, env)
    if not result.ok:
        raise BenchError(f"{' '.join(command[:2])} failed: {failure_line(result)}")


def prepare_clone(repo: Path, workdir: Path, python: str | None) -> tuple[Path, str]:
    """A clone of ``repo``'s HEAD and the interpreter to run it with."""
    clone = workdir / "clone"
    checked(["git", "clone", "--quiet", str(repo), str(clone)], workdir)
    if python is not None:
        return clone, python
    if shutil.which("uv") is None:
        raise BenchError("uv not found: install it, or pass --python")
    hidden = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    groups = [arg for group in GROUPS for arg in ("--group", group)]
    sync = ["uv", "sync", "--quiet", "--locked", "--no-default-groups", *groups]
    checked(sync, clone, {**env, "UV_PYTHON_DOWNLOADS": "never"})
    return clone, str(clone / ".venv" / "bin" / "python")


def describe(outcome: Outcome) -> str:
    def shown(name: str, ran: Run) -> str:
        verdict = "caught" if ran.caught else "passed"
        return f"{name} {ran.seconds:6.1f} s (cpu {ran.cpu:5.1f} s) {verdict}"

    fault, gate, full = outcome
    return f"{fault:28} {shown('gate', gate)}   {shown('full', full)}"


def bench(
    clone: Path, python: str, faults: Sequence[Fault], testmon_only: bool = False
) -> list[Outcome]:
    env = {
        **os.environ,
        "PATH": str(Path(python).parent) + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(clone / ".cache" / "pycache"),
    }
    env.pop("VIRTUAL_ENV", None)
    gate = [python, "-m", "tools.gate.run"]
    extra = WITHOUT_PLUGIN if testmon_only else ()
    if timed([*gate, "--record", *extra], clone, env).caught:
        raise BenchError("the clean clone fails its tests: nothing to compare")
    snapshot = clone.parent / "gate-snapshot"
    shutil.copytree(clone / GATE_CACHE, snapshot)
    outcomes: list[Outcome] = []
    for fault in faults:
        path = locate(clone, fault)
        original = path.read_text(encoding="utf-8")
        path.write_text(original.replace(fault.original, fault.replacement), encoding="utf-8")
        try:
            gate_run = timed([*gate, *extra], clone, env)
            full_run = timed([python, *FULL_TESTS, *STRICT, "-p", "no:cacheprovider"], clone, env)
        finally:
            path.write_text(original, encoding="utf-8")
            shutil.rmtree(clone / GATE_CACHE)
            shutil.copytree(snapshot, clone / GATE_CACHE)
        outcomes.append((fault.name, gate_run, full_run))
        print(describe(outcomes[-1]), flush=True)
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> list[str]:
    def spread(values: list[float]) -> str:
        return f"median {statistics.median(values):.1f} s, max {max(values):.1f} s"

    def figures(runs: list[Run]) -> str:
        return f"{spread([r.seconds for r in runs])}; cpu {spread([r.cpu for r in runs])}"

    def named(faults: list[str]) -> str:
        return f"{len(faults)}" + (f" ({', '.join(faults)})" if faults else "")

    missed = [fault for fault, gate, full in outcomes if full.caught and not gate.caught]
    uncaught = [fault for fault, _, full in outcomes if not full.caught]
    return [
        f"faults: {len(outcomes)}",
        f"incremental gate: {figures([gate for _, gate, _ in outcomes])}",
        f"full tests:       {figures([full for _, _, full in outcomes])}",
        f"missed by the gate, caught by the full run: {named(missed)}",
        f"not caught by the full run either: {named(uncaught)}",
    ]


def load_faults(path: Path) -> tuple[Fault, ...]:
    """Faults from JSON: ``{file: {name: [original, replacement]}}``."""
    loaded = cast("dict[str, dict[str, list[str]]]", json.loads(path.read_text("utf-8")))
    return tuple(
        Fault(name, file, original, replacement)
        for file, faults in loaded.items()
        for name, (original, replacement) in faults.items()
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks.bench_gate")
    parser.add_argument("--repo", type=Path, default=Path(), help="repository to clone (HEAD)")
    parser.add_argument("--limit", type=int, help="only the first K faults")
    parser.add_argument("--python", help="interpreter for the clone (default: uv sync in it)")
    parser.add_argument("--faults", type=Path, default=FAULTS, help="the faults, JSON")
    parser.add_argument(
        "--testmon-only", action="store_true", help="select tests without the gate's plugin"
    )
    args = parser.parse_args(argv)
    try:
        faults = load_faults(args.faults)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        print(f"error: bench_gate: {args.faults}: {error}", file=sys.stderr)
        return 2
    limit: int = len(faults) if args.limit is None else args.limit
    if limit < 1:
        print("error: bench_gate: --limit must be at least 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as temp:
        try:
            clone, python = prepare_clone(args.repo.resolve(), Path(temp), args.python)
            outcomes = bench(clone, python, faults[:limit], args.testmon_only)
        except BenchError as error:
            print(f"error: bench_gate: {error}", file=sys.stderr)
            return 2
    for line in summary(outcomes):
        print(line)
    return 1 if any(full.caught and not gate.caught for _, gate, full in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
