"""The incremental gate: the checks of ``nox -s quality`` scoped to what changed.

``python -m tools.gate.run [--root DIR] [--dry-run] [-- PYTEST_ARGS]``, run by ``nox -s
changed``. It compares the work tree and the index with HEAD (untracked files included), plans
the checks (:mod:`tools.gate.plan`), prints the plan, then runs ruff, import-linter and the
Markdown lint, and pyright alongside the tests (two cores, two long steps).

The tests' dependency data is one SQLite file per Python minor version and per version of the
gate's code (a hash of ``tools/gate``), so data recorded under other rules is never read.

Exit codes: 0 every check passed, 1 a check failed, 2 the gate could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


def scope(files: tuple[str, ...] | None) -> str:
    if files is None:
        return "skipped"
    return f"{len(files)} files" if files else "everything"


def describe(plan: Plan, changed: int) -> list[str]:
    """The plan in a few lines, printed before anything runs."""
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


def run_streamed(step: Step, root: Path, env: Mapping[str, str]) -> tuple[bool, float]:
    start = time.monotonic()
    print(f"gate: $ {' '.join(step.command)}", flush=True)
    try:
        status = subprocess.run(step.command, cwd=root, env=dict(env), check=False).returncode
    except OSError as error:
        print(f"gate: error: {step.name} could not start: {error}", flush=True)
        status = -1
    return status == 0, time.monotonic() - start


class Background:
    """A step running beside the tests, its output kept until they are done."""

    def __init__(self, step: Step, root: Path, env: Mapping[str, str], output: IO[str]) -> None:
        self.step = step
        self.result = (False, 0.0)
        self._thread = threading.Thread(target=self._run, args=(root, env, output))
        self._thread.start()

    def _run(self, root: Path, env: Mapping[str, str], output: IO[str]) -> None:
        start = time.monotonic()
        try:
            command = self.step.command
            status = subprocess.run(
                command,
                cwd=root,
                env=dict(env),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode
        except OSError as error:
            output.write(f"gate: error: {self.step.name} could not start: {error}\n")
            status = -1
        self.result = (status == 0, time.monotonic() - start)

    def wait(self) -> tuple[bool, float]:
        self._thread.join()
        return self.result


def run_plan(plan: Plan, root: Path, env: Mapping[str, str], pytest_args: Sequence[str]) -> bool:
    """Run every planned check; True when all passed. Prints a summary line per check."""
    results: list[tuple[str, bool, float]] = []
    for step in quick_steps(plan, root):
        ok, seconds = run_streamed(step, root, env)
        results.append((step.name, ok, seconds))
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as pyright_output:
        pyright = None
        if plan.pyright is not None:
            # --pythonpath: the environment of this gate, whatever `python` PATH finds first.
            command = (tool("pyright"), "--pythonpath", sys.executable, *plan.pyright)
            step = Step("pyright", command)
            pyright = Background(step, root, env, pyright_output)
        ok, seconds = run_streamed(Step("pytest", pytest_command(plan, pytest_args)), root, env)
        results.append(("pytest", ok, seconds))
        if pyright is not None:
            ok, seconds = pyright.wait()
            pyright_output.seek(0)
            print(f"gate: $ {' '.join(pyright.step.command)}", flush=True)
            sys.stdout.write(pyright_output.read())
            results.append(("pyright", ok, seconds))
    for name, passed, seconds in results:
        print(f"gate: {'ok    ' if passed else 'FAILED'} {name} ({seconds:.1f} s)", flush=True)
    return all(passed for _, passed, _ in results)


def graph_or_none(root: Path) -> ImportGraph | None:
    try:
        return load_graph(root)
    except Exception as error:  # grimp raises its own types, e.g. on a syntax error
        print(f"gate: the import graph could not be built ({error}); pyright checks all")
        return None


def bytecode_cache(root: Path) -> dict[str, str]:
    """Write bytecode to one cache below .cache/ even under PYTHONDONTWRITEBYTECODE, so that
    no test process compiles torch from source again (an existing cache choice is kept)."""
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return {}
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(root / ".cache" / "pycache")}


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
    env = {**os.environ, DATA_VARIABLE: str(data), "PYTHONHASHSEED": "0", **bytecode_cache(root)}
    if args.record:
        plan = make_plan([], None, "recording for the incremental gate")
        ok, _ = run_streamed(Step("pytest", pytest_command(plan, args.pytest_args)), root, env)
        return 0 if ok else 1
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
