"""Mutation testing of the critical modules with cosmic-ray: the ``nox -s mutation`` session.

Usage: ``python -m tools.mutation.run [--module M ...] [--since REV] [--workers N]
[--repo DIR] [--pycache DIR]``; docs/testing/mutation.md describes the run.

Each worker gets its own copy of the working tree (:mod:`tools.mutation.snapshot`), so a mutant
never reaches the repository's own files. Every target is prepared (``init``, filters,
``baseline``) side by side, one target per worker, then executed on all workers, one target
after another (:mod:`tools.mutation.steps`, :mod:`tools.mutation.processes`); the summary files
and the gate come last (:mod:`tools.mutation.gate`).

Exit codes: 0 every module holds its minimum, 1 the gate failed (or a baseline failed),
2 the settings, the revision or the tooling is unusable, 130 interrupted.
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

from tools.mutation.errors import MutationError
from tools.mutation.gate import conclude
from tools.mutation.processes import start_workers, tool_env
from tools.mutation.since import changed_modules
from tools.mutation.snapshot import copy_files, repository_files
from tools.mutation.steps import Context, Prepared, execute, prepare_all
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
        changed = changed_modules(repo, since, [t.module for t in targets])
        targets = [t for t in targets if t.module in changed]
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
    return conclude(cache, prepared, since, workers_wanted, time.monotonic() - started)


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
