"""The commit gate: the checks of ``nox -s quality`` that the staged change can affect, run on
a checkout of exactly the staged tree, with the fast tests on every supported Python.

``python -m tools.gate.run [--root DIR] [--dry-run] [--all] [--python V[=INTERPRETER]]...
[-- PYTEST_ARGS]``, run by ``nox -s changed``. The index's tree becomes a commit on top of
HEAD, checked out into the gate's own worktree (:mod:`tools.gate.snapshot`): unstaged edits
and untracked files do not exist there. Each Python gets an environment synced from that
tree's ``uv.lock`` (``uv sync --locked``, so a stale lock fails here), or, with
``--python V=INTERPRETER``, the given interpreter as it is. The plan (:mod:`tools.gate.plan`)
is printed, then every check runs at once: the operating system shares the cores.

The tests' dependency data is one SQLite file per Python minor version and per version of the
plugin that records it (a hash of :data:`RECORDING`), so data recorded under other rules is
never read.

Exit codes: 0 every check passed, 1 a check failed, 2 the gate could not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import sys
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.gate.checks import Settings, Step, check_steps, read_settings, report
from tools.gate.import_graph import ImportGraph, load_graph
from tools.gate.plan import EVERYTHING, Change, Plan, is_python_source, make_plan
from tools.gate.snapshot import SnapshotError, checked_out, git, parent_commit, staged_commit
from tools.process import failure_line, run

DATA_VARIABLE = "TESTMON_DATAFILE"
"""testmon reads the path of its data file from this environment variable."""
PLUGIN = "tools.gate.pytest_deps"
ENVS = ".cache/gate/envs"


RECORDING = (
    "pytest_deps.py",
    "deps.py",
    "dep_lines.py",
    "import_graph.py",
    "child/sitecustomize.py",
)
"""The modules of ``tools/gate`` that decide what a test's recorded dependencies are."""


def data_file(root: Path, tree: Path, version: str) -> Path:
    """testmon's data for ``version``, under the recording rules of ``tree``'s plugin."""
    digest = hashlib.sha256()
    for name in RECORDING:
        path = tree / "tools/gate" / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return root / ".cache/gate" / f"testmon-py{version}-{digest.hexdigest()[:12]}.db"


def data_problem(data: Path) -> str | None:
    """Why the recorded data cannot select tests; None if it can."""
    return None if data.is_file() else f"no recorded test dependencies yet ({data.name})"


def changes_between(root: Path, parent: str | None, commit: str) -> list[Change]:
    """What ``commit`` changes against ``parent`` (everything, without one); a rename is its
    deletion plus its addition."""
    if parent is None:
        listed = git(root, "ls-tree", "-r", "-z", "--name-only", commit)
        return [Change(path, exists=True) for path in listed.split("\0") if path]
    fields = git(root, "diff-tree", "-r", "-z", "--no-renames", "--name-status", parent, commit)
    parts = fields.split("\0")
    return [
        Change(path, status != "D")
        for status, path in zip(parts[::2], parts[1::2], strict=False)
        if path
    ]


def graph_or_none(tree: Path) -> ImportGraph | None:
    try:
        return load_graph(tree)
    except Exception as error:  # grimp raises its own types, e.g. on a syntax error
        print(f"gate: the import graph could not be built ({error}); pyright checks all")
        return None


def describe(plan: Plan, changed: int, pythons: Sequence[str]) -> list[str]:
    """The plan in a few lines, printed before anything runs."""

    def scope(files: tuple[str, ...] | None) -> str:
        return "skipped" if files is None else f"{len(files)} files" if files else "everything"

    tests = (
        f"the whole fast suite: {plan.whole_suite_reason}"
        if plan.whole_suite_reason
        else "those testmon selects from the recorded dependencies"
    )
    return [
        f"gate: {changed} changed files; ruff: {scope(plan.ruff)}; pyright: "
        f"{scope(plan.pyright)}; markdown: {scope(plan.markdown)}",
        f"gate: tests on Python {', '.join(pythons)}: {tests}",
    ]


def interpreters(
    root: Path, tree: Path, requested: Sequence[str]
) -> tuple[dict[str, str], list[Step]]:
    """Each Python's interpreter, and the ``uv sync`` steps that make its environment."""
    found: dict[str, str] = {}
    syncs: list[Step] = []
    for item in requested:
        version, _, given = item.partition("=")
        if given:
            found[version] = given
            continue
        env_dir = root / ENVS / f"py{version}"
        found[version] = str(env_dir / "bin" / "python")
        sync = ("uv", "sync", "--quiet", "--locked", "--all-groups", "--all-extras")
        variables = {"UV_PROJECT_ENVIRONMENT": str(env_dir), "UV_PYTHON_DOWNLOADS": "never"}
        syncs.append(Step(f"uv sync {version}", (*sync, "--python", version), variables))
    return found, syncs


def pytest_step(
    plan: Plan, version: str, python: str, data: Path, settings: Settings, extra: Sequence[str]
) -> Step:
    """One Python's tests, in one process (the Pythons already share the cores), stopping at
    the first failure: one failure makes the gate red, and ``nox -s tests`` lists them all."""
    select = "--testmon-noselect" if plan.whole_suite_reason else "--testmon"
    tests = settings.fast_tests
    command = (python, "-m", "pytest", *tests, "-x", "-p", "no:xdist", "-p", PLUGIN, select)
    env = {
        **settings.test_env,
        "PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(Path(python).parent.parent),
        DATA_VARIABLE: str(data),
    }
    return Step(f"pytest {version}", (*command, *extra), env)


def run_steps(steps: Sequence[Step], tree: Path) -> list[tuple[str, bool, float]]:
    """Run ``steps`` side by side; print each one's output (both streams) as it ends."""

    def one(step: Step) -> tuple[str, bool, float]:
        start = time.monotonic()
        result = run(step.command, tree, {**os.environ, **(step.env or {})}, echo=lambda _: None)
        took = time.monotonic() - start
        print(f"gate: $ {' '.join(step.command)}\n{result.stdout}", end="", flush=True)
        if not result.started:
            print(f"gate: error: {step.name} could not start: {failure_line(result)}")
        return step.name, result.ok, took

    if not steps:
        return []
    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        return list(pool.map(one, steps))


def judge(root: Path, tree: Path, changes: Sequence[Change], args: argparse.Namespace) -> int:
    settings = read_settings(tree)
    pythons = args.python or list(settings.pythons)
    found, syncs = interpreters(root, tree, pythons)
    versions = list(found)
    data = {v: data_file(root, tree, v) for v in versions}
    problem = next(filter(None, (data_problem(d) for d in data.values())), None)
    has_python = any(is_python_source(c.path) for c in changes)
    graph = graph_or_none(tree) if has_python and not args.all else None
    plan = EVERYTHING if args.all else make_plan(changes, graph, settings.lists, problem)
    if args.whole_tests and plan.whole_suite_reason is None:
        plan = dataclasses.replace(plan, whole_suite_reason="--whole-tests")
    if args.whole_pyright and plan.pyright:
        plan = dataclasses.replace(plan, pyright=())
    for line in describe(plan, len(changes), versions):
        print(line, flush=True)
    if args.dry_run:
        return 0
    if not report(run_steps(syncs, tree), "gate"):
        return 1
    for path in data.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    steps = check_steps(plan, tree, found[versions[0]], settings.lists)
    extra = args.pytest_args
    tests = [pytest_step(plan, v, found[v], data[v], settings, extra) for v in versions]
    return 0 if report(run_steps([*tests, *steps], tree), "gate") else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.gate.run",
        description="Run the checks of the quality gate that the staged change can affect.",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="repository root")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    parser.add_argument("--all", action="store_true", help="every check, every fast test")
    parser.add_argument(
        "--whole-tests", action="store_true", help="every fast test, no selection (benchmarks)"
    )
    parser.add_argument(
        "--whole-pyright", action="store_true", help="pyright on everything when it runs"
    )
    parser.add_argument(
        "--python",
        action="append",
        metavar="V[=INTERPRETER]",
        help="test on Python V (repeatable; default: pyproject's pythons); with =INTERPRETER "
        "use that interpreter's environment as it is instead of syncing one",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    try:
        parent = parent_commit(root)
        commit = staged_commit(root)
        changes = changes_between(root, parent, commit)
        with checked_out(root, commit) as tree:
            return judge(root, tree, changes, args)
    except (SnapshotError, OSError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"error: gate: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
