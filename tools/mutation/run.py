"""Mutation testing of the critical modules with cosmic-ray; the ``nox -s mutation`` session.

Usage: ``python -m tools.mutation.run [--module M ...] [--since REV] [--workers N]
[--repo DIR] [--pycache DIR]``.

For each target in ``pyproject.toml`` (or only the ``--module`` ones; a module is named by its
path, its dotted name or its last component):

1. ``cosmic-ray init`` lists the mutants of the module into a session file
   (``.cache/mutation/sessions/<module>.sqlite``).
2. Filters record the mutants that must not run as skipped: the operators filter
   (``[tool.cosmic-ray.filters.operators-filter]``, applied as ``cr-filter-operators`` would
   apply it, without one more cosmic-ray start per target), mutants inside annotations that
   are never evaluated (:mod:`tools.mutation.annotations`) and, with ``--since REV``,
   cosmic-ray's git filter for every line not changed since REV (:mod:`tools.mutation.since`;
   a module with no changed line is not run at all).
3. ``cosmic-ray baseline`` runs the target's tests once on the unmutated copy: they must pass.
   Its duration sets the per-mutant timeout (``timeout-factor`` times it, at least
   ``timeout``).
4. ``cosmic-ray exec`` hands the mutants to N workers (one per core by default) through
   cosmic-ray's ``http`` distributor; each worker (:mod:`tools.mutation.worker`) mutates its
   own copy of the working tree and runs the target's tests there.
5. The session files give the results; :mod:`tools.mutation.summary` writes
   ``.cache/mutation/summary.md`` and ``.json`` and :mod:`tools.mutation.gate` checks every
   score against its minimum.

Steps 1-3 of the targets run side by side (one target per worker); step 4 runs one target at a
time on all workers.

Safety: mutants are only ever written into copies of the working tree in a temporary
directory (:mod:`tools.mutation.snapshot`), removed at the end; the repository's own files are
only read (and ``.cache/mutation`` written). A crash, a kill or Ctrl-C cannot leave a mutant in
the source.

Speed: each worker has a pytest fork server beside it (:mod:`tools.mutation.pytest_server`)
that imports torch and the other ``preload`` packages once; the test command
(:mod:`tools.mutation.pytest_client`) runs pytest in a child of it. cosmic-ray, the workers and
the servers keep their bytecode in ``.cache/mutation/pycache`` (``PYTHONPYCACHEPREFIX``);
cosmic-ray turns bytecode writing off for the test commands, so the repository's own modules,
which the mutants change, are always compiled afresh.

Exit codes: 0 every module holds its minimum, 1 the gate failed (or a baseline failed),
2 the settings, the revision or the tooling is unusable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from tools.mutation.equivalents import EQUIVALENT_MUTANTS
from tools.mutation.errors import MutationError
from tools.mutation.gate import report
from tools.mutation.processes import start_workers, tool_env
from tools.mutation.results import Outcome
from tools.mutation.since import diff_since
from tools.mutation.snapshot import copy_files, repository_files
from tools.mutation.steps import Context, Prepared, execute, prepare_all
from tools.mutation.summary import (
    ModuleSummary,
    RunInfo,
    render_json,
    render_markdown,
    summarize,
    unused_equivalents,
)
from tools.mutation.targets import load_settings, select_targets

CACHE_DIR = Path(".cache/mutation")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.mutation.run",
        description="Mutation testing of the critical modules with cosmic-ray, then the gate.",
    )
    parser.add_argument(
        "--module",
        action="append",
        metavar="M",
        help="only this target (path, dotted name or last component); repeatable",
    )
    parser.add_argument(
        "--since", metavar="REV", help="only mutate lines changed since this git revision"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="parallel workers (default: one per core)",
    )
    parser.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    parser.add_argument(
        "--pycache",
        type=Path,
        metavar="DIR",
        help="where the bytecode of cosmic-ray and the preloaded packages is cached"
        " (default: .cache/mutation/pycache in the repository)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    repo: Path = args.repo.resolve()
    workers_wanted: int = max(1, args.workers)
    since: str | None = args.since
    settings = load_settings(repo / "pyproject.toml")
    targets = select_targets(settings, args.module)
    if since is not None:
        changed = diff_since(repo, since, [t.module for t in targets])
        targets = [t for t in targets if changed.get(t.module)]
        print(f"mutation: {len(targets)} target(s) changed since {since}", flush=True)
    cache = repo / CACHE_DIR
    sessions = cache / "sessions"
    logs = cache / "logs"
    for directory in (sessions, logs):
        directory.mkdir(parents=True, exist_ok=True)
    pycache: Path = args.pycache.resolve() if args.pycache else cache / "pycache"
    env = tool_env(pycache)
    prepared: list[Prepared] = []
    if targets:
        files = repository_files(repo)
        with tempfile.TemporaryDirectory(prefix="ml-playground-mutation-") as temporary:
            work = Path(temporary)
            copies = [work / f"worker-{i}" for i in range(min(workers_wanted, 64))]
            for copy in copies:
                copy_files(repo, files, copy)
            context = Context(repo, settings, work, sessions, since, env, threading.Event())
            with start_workers(copies, settings, env, logs) as workers:
                prepared = prepare_all(context, targets, workers)
                for item in prepared:
                    if item.baseline_error or item.to_run == 0:
                        continue
                    print(
                        f"mutation: {item.target.module}: running {item.to_run} mutant(s)"
                        f" on {len(workers)} worker(s)",
                        flush=True,
                    )
                    execute(context, item, workers)
                    print(
                        f"mutation: {item.target.module}: {item.to_run} mutant(s) in"
                        f" {item.exec_seconds:.0f} s",
                        flush=True,
                    )
    return _finish(repo, prepared, since, workers_wanted, time.monotonic() - started)


def _finish(
    repo: Path, prepared: Sequence[Prepared], since: str | None, workers: int, wall: float
) -> int:
    summaries: list[ModuleSummary] = [
        summarize(p.target, p.mutants, EQUIVALENT_MUTANTS) for p in prepared
    ]
    executed = sum(
        m.outcome not in (Outcome.SKIPPED, Outcome.PENDING) for p in prepared for m in p.mutants
    )
    info = RunInfo(since=since, workers=workers, wall_seconds=wall, executed=executed)
    unused = [] if since else unused_equivalents(EQUIVALENT_MUTANTS, summaries)
    cache = repo / CACHE_DIR
    (cache / "summary.md").write_text(render_markdown(summaries, info, unused), encoding="utf-8")
    (cache / "summary.json").write_text(render_json(summaries, info, unused), encoding="utf-8")
    ok, text = report(summaries)
    baseline_failures = [p for p in prepared if p.baseline_error]
    for p in baseline_failures:
        text += (
            f"\n{p.target.module}: baseline FAILED: its tests fail without any mutation"
            f" ({' '.join(p.target.tests)}):\n{p.baseline_error}"
        )
    print(text, file=sys.stdout if ok and not baseline_failures else sys.stderr)
    print(
        f"mutation: {executed} mutant(s) in {wall:.0f} s ({info.mutants_per_minute:.1f} per"
        f" minute, {workers} worker(s)); summary in {(CACHE_DIR / 'summary.md').as_posix()}",
        flush=True,
    )
    return 0 if ok and not baseline_failures else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except MutationError as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutation: interrupted; the working tree was never mutated", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
