"""Is the commit gate fast, and does it let no fault through?

``python -m tools.benchmarks.bench_gate [--repo DIR] [--limit K] [--only NAME]...
[--python V[=INTERPRETER]]... [--faults FILE] [--reference] [-- GATE_ARGS]``

Clones the repository's HEAD into a temporary directory (never touching the work tree), runs
the commit gate once on the clean clone (it syncs its environments for every Python and
records the tests' dependencies), then places each fault alone as a change to commit, the way
a user would stage it, and runs what ``invoke commit`` runs: the size budget and the gate
(``python -m tools.gate.run``, from the recorded data restored before every fault). A fault
the gate passes is a miss. With ``--reference`` each fault is also judged by ``--all`` (every
check, every fast test, every Python): a fault that passes there too is a bad fault, not a
miss. GATE_ARGS reach the gate (``--whole-tests``, ``--whole-pyright``: the simpler
alternatives; ``-- -p no:tools.gate.pytest_deps``: plain testmon).

A fault (``gate_faults.json``, or ``--faults``) is a JSON object: ``name``; ``path``,
``original`` and ``replacement``, a change found by its text (it must occur once), never by
line, staged; ``index_only``: the work tree keeps the original (only the index is faulty);
``add``: new files, staged; ``untracked``: new files, not staged; ``remove``: files deleted
with ``git rm``. Exit codes: 0 no miss, 1 a miss (or the clean clone fails the gate), 2 the
benchmark could not run.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tools.process import failure_line, run
from tools.workflow.commit_rules import measure, staged_changes
from tools.workflow.repo.git import Git

GATE_DATA = ".cache/gate"
TIMEOUT_SECONDS = 900.0
"""A run that hangs (a test waiting forever) is stopped, with everything it started, and
counts as a failure: the user would see it fail too."""
FAULTS = Path(__file__).with_name("gate_faults.json")


class BenchError(Exception):
    """The benchmark could not run (a fault that cannot be placed, a failing clean clone...)."""


@dataclass(frozen=True)
class Fault:
    name: str
    path: str = ""
    original: str = ""
    replacement: str = ""
    index_only: bool = False
    add: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())
    untracked: Mapping[str, str] = field(default_factory=lambda: dict[str, str]())
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    caught: bool
    seconds: float
    cpu: float = 0.0
    """CPU seconds of every process of the run: the cost a loaded machine cannot inflate."""
    by: str = ""
    """What caught it: the size budget, or the gate's failed checks."""


Outcome = tuple[str, Run, Run | None]
"""A fault's name, the gate's run and the reference run (``--reference``)."""


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
    (only,) = found
    return only


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = TIMEOUT_SECONDS
) -> Run:
    """Run ``command``: did it fail (and which checks), its wall and CPU seconds."""
    start, cpu = time.monotonic(), children_cpu()
    result = run(command, cwd, env, timeout=timeout)
    failed = [
        line.split()[2] for line in result.stdout.splitlines() if line.startswith("gate: FAILED")
    ]
    by = ",".join(failed) or ("" if result.ok else failure_line(result))
    return Run(not result.ok, time.monotonic() - start, children_cpu() - cpu, by)


def git(clone: Path, *args: str) -> None:
    result = run(("git", *args), clone)
    if not result.ok:
        raise BenchError(f"git {args[0]} failed: {failure_line(result)}")


def write(clone: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = clone / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def place(clone: Path, fault: Fault) -> None:
    """Stage the fault as a user would; only the index holds it when ``index_only``."""
    write(clone, fault.untracked)
    write(clone, fault.add)
    if fault.add:
        git(clone, "add", "--", *fault.add)
    if fault.remove:
        git(clone, "rm", "-q", "--", *fault.remove)
    if fault.path:
        path = locate(clone, fault)
        original = path.read_text(encoding="utf-8")
        path.write_text(original.replace(fault.original, fault.replacement), encoding="utf-8")
        git(clone, "add", "--", str(path.relative_to(clone)))
        if fault.index_only:
            path.write_text(original, encoding="utf-8")


def undo(clone: Path) -> None:
    """The clean clone again: the index and the work tree back at HEAD, new files gone."""
    git(clone, "reset", "-q")
    git(clone, "checkout", "-q", "--", ".")
    git(clone, "clean", "-fdq")


def prepare_clone(repo: Path, workdir: Path) -> Path:
    clone = workdir / "clone"
    result = run(("git", "clone", "--quiet", str(repo), str(clone)), workdir)
    if not result.ok:
        raise BenchError(f"git clone failed: {failure_line(result)}")
    git(clone, "config", "user.name", "bench")
    git(clone, "config", "user.email", "bench@localhost")
    return clone


def judged(clone: Path, gate: Sequence[str], env: Mapping[str, str]) -> Run:
    """The size budget, then the gate, as ``invoke commit`` runs them."""
    size = measure(staged_changes(Git(clone, env)))
    if size.over_budget():
        return Run(True, 0.0, 0.0, f"size ({size.total} lines)")
    return timed(gate, clone, env)


def describe(outcome: Outcome) -> str:
    def shown(name: str, ran: Run) -> str:
        verdict = f"caught ({ran.by})" if ran.caught else "passed"
        return f"{name} {ran.seconds:6.1f} s (cpu {ran.cpu:6.1f} s) {verdict}"

    fault, gate, reference = outcome
    line = f"{fault:28} {shown('gate', gate)}"
    return line if reference is None else f"{line}   {shown('reference', reference)}"


def bench(
    clone: Path, faults: Sequence[Fault], gate_args: Sequence[str], reference: bool
) -> list[Outcome]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "TESTMON_DATAFILE")}
    gate = [sys.executable, "-m", "tools.gate.run", "--root", str(clone), *gate_args]
    first = timed(gate, clone, env)
    if first.caught:
        raise BenchError(f"the clean clone fails the gate ({first.by}): nothing to compare")
    saved = clone.parent / "gate-data"
    saved.mkdir()
    for data in (clone / GATE_DATA).glob("testmon-*"):  # the database with its -wal and -shm
        shutil.copy2(data, saved / data.name)
    outcomes: list[Outcome] = []
    for fault in faults:
        place(clone, fault)
        try:
            gate_run = judged(clone, gate, env)
            checked = timed([*gate, "--all"], clone, env) if reference else None
        finally:
            undo(clone)
            for data in (clone / GATE_DATA).glob("testmon-*"):
                data.unlink()
            for data in saved.iterdir():
                shutil.copy2(data, clone / GATE_DATA / data.name)
        outcomes.append((fault.name, gate_run, checked))
        print(describe(outcomes[-1]), flush=True)
    return outcomes


def missed(outcomes: Sequence[Outcome]) -> list[str]:
    """The faults the gate passed that the reference (when run) caught: the gate's misses."""
    return [
        fault for fault, gate, ref in outcomes if not gate.caught and (ref is None or ref.caught)
    ]


def summary(outcomes: Sequence[Outcome]) -> list[str]:
    def spread(values: list[float]) -> str:
        return f"median {statistics.median(values):.1f} s, max {max(values):.1f} s"

    def figures(runs: list[Run]) -> str:
        return f"{spread([r.seconds for r in runs])}; cpu {spread([r.cpu for r in runs])}"

    def named(faults: list[str]) -> str:
        return f"{len(faults)}" + (f" ({', '.join(faults)})" if faults else "")

    lines = [f"faults: {len(outcomes)}", f"gate: {figures([gate for _, gate, _ in outcomes])}"]
    references = [ref for _, _, ref in outcomes if ref is not None]
    if references:
        uncaught = [fault for fault, _, ref in outcomes if ref is not None and not ref.caught]
        lines.append(f"reference: {figures(references)}")
        lines.append(f"not caught by the reference either: {named(uncaught)}")
    lines.append(f"missed by the gate: {named(missed(outcomes))}")
    return lines


def load_faults(path: Path) -> tuple[Fault, ...]:
    """Faults from a JSON list of objects (see the module's docstring)."""
    loaded = cast("list[dict[str, Any]]", json.loads(path.read_text("utf-8")))
    return tuple(
        Fault(
            name=str(item["name"]),
            path=str(item.get("path", "")),
            original=str(item.get("original", "")),
            replacement=str(item.get("replacement", "")),
            index_only=bool(item.get("index_only", False)),
            add=dict(item.get("add", {})),
            untracked=dict(item.get("untracked", {})),
            remove=tuple(item.get("remove", ())),
        )
        for item in loaded
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks.bench_gate")
    parser.add_argument("--repo", type=Path, default=Path(), help="repository to clone (HEAD)")
    parser.add_argument("--limit", type=int, help="only the first K faults")
    parser.add_argument("--only", action="append", default=[], help="only the fault NAME")
    parser.add_argument("--python", action="append", default=[], help="the gate's --python")
    parser.add_argument("--faults", type=Path, default=FAULTS, help="the faults, JSON")
    parser.add_argument("--reference", action="store_true", help="also run the gate --all")
    parser.add_argument("gate_args", nargs="*", help="after --: more arguments of the gate")
    args = parser.parse_args(argv)
    try:
        faults = load_faults(args.faults)
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as error:
        print(f"error: bench_gate: {args.faults}: {error}", file=sys.stderr)
        return 2
    faults = tuple(f for f in faults if not args.only or f.name in args.only)
    limit: int = len(faults) if args.limit is None else args.limit
    if limit < 1 or not faults:
        print("error: bench_gate: no fault to place (--limit, --only)", file=sys.stderr)
        return 2
    gate_args = [arg for version in args.python for arg in ("--python", version)]
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as temp:
        try:
            clone = prepare_clone(args.repo.resolve(), Path(temp))
            outcomes = bench(clone, faults[:limit], [*gate_args, *args.gate_args], args.reference)
        except BenchError as error:
            print(f"error: bench_gate: {error}", file=sys.stderr)
            return 2
    for line in summary(outcomes):
        print(line)
    return 1 if missed(outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
