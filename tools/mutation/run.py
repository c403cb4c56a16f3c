"""Mutation testing with cosmic-ray: the ``nox -s mutation`` session.

Options: ``--help``; docs/testing/mutation.md describes the run. The steps: the test map
(:mod:`tools.mutation.coverage_map`); an untouched copy of the tree and one per worker
(:mod:`tools.mutation.snapshot`); one cosmic-ray session with its filters, run on the loopback
workers (:mod:`tools.mutation.processes`); the report and the gate.

Exit codes: 0 every module holds its minimum, 1 the gate failed, 2 the settings, the revision
or the tooling is unusable or the suite fails without any mutant, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tools.file_lock import exclusive
from tools.mutation import coverage_map, pytest_client
from tools.mutation.errors import MutationError
from tools.mutation.processes import start_workers, tool_env
from tools.mutation.report import conclude
from tools.mutation.results import read_session
from tools.mutation.settings import Settings, cosmic_ray_config, load_settings, select, test_command
from tools.mutation.shards import (
    expected_seconds,
    parse_shard,
    plan_file,
    shard_modules,
    shard_sessions,
    write_plan,
)
from tools.mutation.since import changed_modules, git_config_env
from tools.mutation.snapshot import copy_files, repository_files
from tools.process import output_tail
from tools.process import run as run_command

CACHE_DIR = Path(".cache/mutation")
STEP_TIMEOUT = 12 * 3600.0
COSMIC_RAY = (sys.executable, "-m", "cosmic_ray.cli")
FILTERS = "cosmic_ray.tools.filters"
CORES = os.cpu_count() or 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.mutation.run",
        description="Mutation testing with cosmic-ray, then the report and the gate.",
    )
    parser.add_argument(
        "--module", action="append", metavar="M", help="only this module; repeatable"
    )
    parser.add_argument("--shard", metavar="K/N", help="only the K-th of N even shards")
    parser.add_argument("--since", metavar="REV", help="only lines changed since REV")
    parser.add_argument(
        "--map-only", action="store_true", help="only build the test map (CI's first job)"
    )
    parser.add_argument(
        "--combine",
        type=Path,
        metavar="DIR",
        help="no run: the report and the gate of the session files in DIR (CI's last job)",
    )
    # One more than the cores: it fills the time test runs wait (docs/testing/mutation.md).
    parser.add_argument("--workers", type=int, default=CORES + 1, metavar="N")
    parser.add_argument("--repo", type=Path, default=Path(), help="repository root")
    parser.add_argument(
        "--pycache",
        type=Path,
        metavar="DIR",
        help="bytecode cache of cosmic-ray and the preloaded packages"
        " (default: .cache/mutation/pycache)",
    )
    return parser


def say(message: str) -> None:
    """Tell how the run is going, at once: CI shows it while the long steps still run."""
    print(f"mutation: {message}", flush=True)


def tool(command: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
    """Run a cosmic-ray step in a session of its own, killed with all it started when the
    wait is cut short (Ctrl-C); :class:`MutationError` with the end of its output if it fails."""
    result = run_command(command, cwd, env, timeout=STEP_TIMEOUT)
    if not result.ok:
        tail = output_tail(result)
        raise MutationError(f"{' '.join(command[1:4])} ... failed ({result.returncode}):\n{tail}")


def source_text(repo: Path, module: str) -> str:
    """A module's source; :class:`MutationError` for one that cosmic-ray could not parse."""
    data = (repo / module).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MutationError(
            f"{module}:{line}: byte {data[exc.start]:#04x} is not UTF-8;"
            " mutation testing reads sources as UTF-8"
        ) from None


def chosen_modules(args: argparse.Namespace, settings: Settings, repo: Path) -> list[str]:
    files = repository_files(repo)
    unknown = settings.unknown_entries(files)
    if unknown:
        raise MutationError(
            f"[tool.ml_playground.mutation] names modules that do not exist: {unknown}"
        )
    modules = select(settings.targets(files), args.module)
    for module in modules:
        source_text(repo, module)
    if args.since is not None:
        changed = changed_modules(repo, args.since, modules)
        modules = [m for m in modules if m in changed]
    return modules


@dataclass(frozen=True)
class Steps:
    """What every session of a run is made with."""

    settings: Settings
    repo: Path
    pristine: Path
    env: dict[str, str]
    command: str
    since: str | None

    def new_session(self, session: Path, modules: Sequence[str], urls: Sequence[str]) -> Path:
        """cosmic-ray's ``init`` of ``modules`` into ``session`` and every filter; the config
        file it wrote (beside the session)."""
        config = self.pristine.parent / f"{session.stem}.toml"
        text = cosmic_ray_config(
            self.settings, modules, command=self.command, worker_urls=urls, since=self.since
        )
        config.write_text(text, encoding="utf-8")
        pristine, env, python = self.pristine, self.env, sys.executable
        tool([*COSMIC_RAY, "init", str(config), str(session)], pristine, env)
        # Each filter overwrites what an earlier one recorded: the operators filter comes
        # after the pragma, so a marked line counts only the mutants that run.
        tool([python, "-m", f"{FILTERS}.pragma_no_mutate", str(session)], pristine, env)
        operators = [python, "-m", f"{FILTERS}.operators_filter", str(session), str(config)]
        tool(operators, pristine, env)
        tool([python, "-m", "tools.mutation.annotations", str(session)], pristine, env)
        if self.since is not None:
            git_filter = [python, "-m", f"{FILTERS}.git", "--config", str(config), str(session)]
            tool(git_filter, self.repo, git_config_env(env))
        return config


def ensure_map(
    repo: Path, settings: Settings, env: dict[str, str], workers: int
) -> tuple[Path, str]:
    """The map's directory and the fingerprint of the files it was made from."""
    files = repository_files(repo)
    directory = repo / CACHE_DIR / "map"
    stamp = coverage_map.fingerprint(repo, files)
    if coverage_map.is_current(directory, stamp):
        say("the test map is current")
        return directory, stamp
    say("running the suite under coverage for the test map")
    started = time.monotonic()
    coverage_map.build(
        repo,
        settings.targets(files),
        directory,
        stamp=stamp,
        pytest_args=settings.pytest_args,
        env={**env, **settings.test_env},
        workers=workers,
    )
    say(f"test map built in {time.monotonic() - started:.0f} s")
    return directory, stamp


def worker_count(asked: int) -> int:
    """The workers of a run ``asked`` for that many: at least one, at most 64."""
    return max(1, min(asked, 64))


def refuse(pid: str) -> NoReturn:
    raise MutationError(
        f"another mutation run (pid {pid}) is using {CACHE_DIR.as_posix()}; wait for it to end"
    )


def run(args: argparse.Namespace) -> int:
    """One run at a time per repository: two would share the sessions and the map."""
    repo: Path = args.repo.resolve()
    settings = load_settings(repo / "pyproject.toml")  # not a project: no lock file made there
    with exclusive(repo / CACHE_DIR / "lock", refuse):
        return run_locked(args, repo, settings)


def run_locked(args: argparse.Namespace, repo: Path, settings: Settings) -> int:
    started = time.monotonic()
    workers_wanted = worker_count(args.workers)
    cache = repo / CACHE_DIR
    if args.combine is not None:
        return conclude(cache, shard_sessions(args.combine), settings, 0.0)
    env = tool_env(args.pycache.resolve() if args.pycache else cache / "pycache")
    if args.map_only:
        ensure_map(repo, settings, env, workers_wanted)
        return 0
    modules = chosen_modules(args, settings, repo)
    shard = parse_shard(args.shard) if args.shard else None
    name = f"shard-{shard[0]}-of-{shard[1]}" if shard else "run"
    sessions, logs = cache / "sessions", cache / "logs"
    for directory in (sessions, logs):
        directory.mkdir(parents=True, exist_ok=True)
    session = sessions / f"{name}.sqlite"
    for stale in (session, plan_file(session)):
        stale.unlink(missing_ok=True)
    if modules:
        map_dir, stamp = ensure_map(repo, settings, env, workers_wanted)
        files = repository_files(repo)
        with tempfile.TemporaryDirectory(prefix="ml-playground-mutation-") as temporary:
            pristine = Path(temporary) / "pristine"
            copies = [Path(temporary) / f"worker-{i}" for i in range(workers_wanted)]
            for copy in (pristine, *copies):
                copy_files(repo, files, copy)
            # The test command from the tool itself, out of every mutant's reach.
            client = Path(temporary) / "pytest_client.py"
            shutil.copy2(pytest_client.__file__, client)
            command = test_command(settings, client, pristine, map_dir)
            steps = Steps(settings, repo, pristine, env, command, args.since)
            if shard:
                weighing = Path(temporary) / "weighing.sqlite"
                steps.new_session(weighing, modules, [])
                seconds = expected_seconds(read_session(weighing), map_dir, settings.test_budget)
                split, modules = modules, shard_modules(modules, seconds, *shard)
                write_plan(session, stamp, split, modules)
            say(f"{len(modules)} module(s)")
            if modules:
                with start_workers(copies, settings, env, logs) as workers:
                    config = steps.new_session(session, modules, [w.url for w in workers])
                    say(f"running on {len(workers)} worker(s)")
                    tool([*COSMIC_RAY, "exec", str(config), str(session)], pristine, env)
    else:
        if shard:
            write_plan(session, "", [], [])
        say("0 module(s)")
    return conclude(cache, [session], settings, time.monotonic() - started)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM (a CI job cancelled, kill) stops the run as Ctrl-C does: every process it started
    # is killed and its temporary copies removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run(args)
    except (MutationError, OSError) as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutation: interrupted; the working tree was never mutated", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
