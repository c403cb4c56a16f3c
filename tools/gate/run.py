"""The incremental gate: the checks of ``nox -s quality`` scoped to what changed.

``python -m tools.gate.run [--root DIR] [--dry-run] [--record] [-- PYTEST_ARGS]``, run by
``nox -s changed`` (and, with ``--record``, by ``quality-3.11``). It compares the work tree and
the index with HEAD (untracked files included), plans the checks (:mod:`tools.gate.plan`),
prints the plan, then runs ruff, import-linter and the Markdown lint, and pyright beside the
tests (two cores, two long steps).

The tests' dependency data is one SQLite file per Python minor version and per version of the
gate's code (a hash of ``tools/gate``), so data recorded under other rules is never read.

Exit codes: 0 every check passed, 1 a check failed, 2 the gate could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tools.gate.import_graph import ImportGraph, load_graph
from tools.gate.plan import (
    MARKDOWN_FILES,
    MARKDOWN_GENERATED,
    MARKDOWN_ROOTS,
    Change,
    Plan,
    make_plan,
)
from tools.process import failure_line, run

DATA_VARIABLE = "TESTMON_DATAFILE"
"""testmon reads the path of its data file from this environment variable."""
GATE_SOURCE = Path(__file__).resolve().parent
TEST_DIRECTORIES = ("tests/unit", "tests/property")
STRICT = ("-W", "error", "--strict-markers", "--strict-config")
# worksteal: testmon runs the fastest tests first, so the slowest come last; an idle worker
# takes over queued tests instead of waiting for the other to finish its share.
PARALLEL = ("-n", "auto", "--dist", "worksteal")
PLUGIN = "tools.gate.pytest_deps"


@dataclass(frozen=True)
class Step:
    name: str
    command: tuple[str, ...]


def data_file(root: Path, version: tuple[int, int] | None = None) -> Path:
    major, minor = version or sys.version_info[:2]
    digest = hashlib.sha256()
    for path in sorted(GATE_SOURCE.glob("**/*.py")):
        digest.update(path.read_bytes())
    return root / ".cache/gate" / f"testmon-py{major}.{minor}-{digest.hexdigest()[:12]}.db"


def data_problem(data: Path) -> str | None:
    """Why the recorded data cannot select tests; None if it can."""
    return None if data.is_file() else f"no recorded test dependencies yet ({data.name})"


class ChangesError(Exception):
    """git could not say what changed (not a repository, git missing)."""


def working_changes(root: Path) -> list[Change]:
    """Every path that differs between HEAD and the index or the work tree, and every
    untracked file that is not ignored; a rename is its deletion plus its addition."""
    status = ("git", "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all")
    result = run((*status, "--ignore-submodules=none"), root)
    if not result.ok:
        raise ChangesError(f"git status failed in {root}: {failure_line(result)}")
    paths = {entry[3:] for entry in result.stdout.split("\0") if len(entry) > 3}
    return [Change(path, exists=(root / path).is_file()) for path in sorted(paths)]


def tool(name: str) -> str:
    """The executable ``name`` of the running interpreter's environment, else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def markdown_command(files: Sequence[str], root: Path) -> tuple[str, ...]:
    if files:
        targets = list(files)
    else:
        readmes = sorted(p.relative_to(root).as_posix() for p in root.glob("tests/*/README.md"))
        targets = [*MARKDOWN_FILES[:1], *MARKDOWN_ROOTS, MARKDOWN_FILES[1], *readmes]
    excluded = [arg for path in MARKDOWN_GENERATED for arg in ("--exclude", path)]
    config = ("--strict-config", "--config", ".pymarkdown.json")
    return (tool("pymarkdown"), *config, "scan", "-r", *excluded, *targets)


def pytest_command(plan: Plan, extra: Sequence[str]) -> tuple[str, ...]:
    """The whole suite runs on every core; a selection runs in one process when pyright
    takes the other core (xdist workers would each import the test's dependencies again)."""
    whole = plan.whole_suite_reason is not None
    parallel = PARALLEL if whole or plan.pyright is None else ("-p", "no:xdist")
    select = "--testmon-noselect" if whole else "--testmon"
    pytest = (sys.executable, "-m", "pytest", *TEST_DIRECTORIES)
    return (*pytest, *parallel, *STRICT, "-p", PLUGIN, select, *extra)


def quick_steps(plan: Plan, root: Path) -> list[Step]:
    steps: list[Step] = []
    if plan.ruff is not None:
        ruff, targets = tool("ruff"), plan.ruff or (".",)
        steps.append(Step("ruff check", (ruff, "check", "--force-exclude", *targets)))
        steps.append(Step("ruff format", (ruff, "format", "--check", "--force-exclude", *targets)))
    if plan.import_linter:
        imports = (tool("lint-imports"), "--cache-dir", ".cache/import-linter")
        steps.append(Step("import-linter", imports))
    if plan.markdown is not None:
        steps.append(Step("markdown", markdown_command(plan.markdown, root)))
    return steps


def describe(plan: Plan, changed: int) -> list[str]:
    """The plan in a few lines, printed before anything runs."""

    def scope(files: tuple[str, ...] | None) -> str:
        return "skipped" if files is None else f"{len(files)} files" if files else "everything"

    tests = (
        f"the whole unit + property suite: {plan.whole_suite_reason}"
        if plan.whole_suite_reason
        else "those testmon selects from the recorded dependencies"
    )
    return [
        f"gate: {changed} changed files; ruff: {scope(plan.ruff)}; pyright: "
        f"{scope(plan.pyright)}; markdown: {scope(plan.markdown)}",
        f"gate: tests: {tests}",
    ]


def run_step(step: Step, root: Path, env: Mapping[str, str], out: TextIO) -> tuple[bool, float]:
    """Run ``step``, its output (both streams) written to ``out`` as it comes."""
    start = time.monotonic()
    out.write(f"gate: $ {' '.join(step.command)}\n")
    out.flush()
    result = run(step.command, root, env, echo=out.write)
    if not result.started:
        out.write(f"gate: error: {step.name} could not start: {failure_line(result)}\n")
    return result.ok, time.monotonic() - start


def run_plan(plan: Plan, root: Path, env: Mapping[str, str], pytest_args: Sequence[str]) -> bool:
    """Run every planned check; True when all passed. Prints a summary line per check."""
    results = [
        (step.name, *run_step(step, root, env, sys.stdout)) for step in quick_steps(plan, root)
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pyright_output = io.StringIO()
        pyright = None
        if plan.pyright is not None:
            # --pythonpath: the environment of this gate, whatever `python` PATH finds first.
            command = (tool("pyright"), "--pythonpath", sys.executable, *plan.pyright)
            pyright = pool.submit(run_step, Step("pyright", command), root, env, pyright_output)
        tests = Step("pytest", pytest_command(plan, pytest_args))
        results.append(("pytest", *run_step(tests, root, env, sys.stdout)))
        if pyright is not None:
            results.append(("pyright", *pyright.result()))
            sys.stdout.write(pyright_output.getvalue())
    for name, passed, seconds in results:
        print(f"gate: {'ok    ' if passed else 'FAILED'} {name} ({seconds:.1f} s)", flush=True)
    return all(passed for _, passed, _ in results)


def graph_or_none(root: Path) -> ImportGraph | None:
    try:
        return load_graph(root)
    except Exception as error:  # grimp raises its own types, e.g. on a syntax error
        print(f"gate: the import graph could not be built ({error}); pyright checks all")
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.gate.run",
        description="Run the checks of the quality gate that the current change can affect.",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="repository root")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    parser.add_argument(
        "--record",
        action="store_true",
        help="only run the whole unit + property suite, recording its dependencies (quality)",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    data = data_file(root)
    data.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, DATA_VARIABLE: str(data)}
    if args.record:
        plan = make_plan([], None, "recording for the incremental gate")
        tests = Step("pytest", pytest_command(plan, args.pytest_args))
        return 0 if run_step(tests, root, env, sys.stdout)[0] else 1
    try:
        changes = working_changes(root)
    except ChangesError as error:
        print(f"error: gate: {error}", file=sys.stderr)
        return 2
    has_python = any(c.path.endswith(".py") for c in changes)
    plan = make_plan(changes, graph_or_none(root) if has_python else None, data_problem(data))
    for line in describe(plan, len(changes)):
        print(line, flush=True)
    if args.dry_run:
        return 0
    return 0 if run_plan(plan, root, env, args.pytest_args) else 1


if __name__ == "__main__":
    raise SystemExit(main())
