"""The cosmic-ray steps of one target: ``init`` and the filters, ``baseline``, then ``exec`` on
every worker, each with a cosmic-ray configuration written for it
(:func:`tools.mutation.targets.cosmic_ray_config`)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tools.mutation.annotations import SKIP_NOTE, in_any, unevaluated_annotation_spans
from tools.mutation.errors import MutationError
from tools.mutation.processes import Worker
from tools.mutation.results import Mutant, Outcome, mark_skipped, read_session
from tools.mutation.since import git_config_env, git_filter_command
from tools.mutation.targets import Settings, Target, cosmic_ray_config
from tools.process import Completed, run

COSMIC_RAY = (sys.executable, "-m", "cosmic_ray.cli")
OPERATOR_NOTE = "Filtered operator"
"""The note cosmic-ray's operators filter records; the run applies the same filter itself."""
BASELINE_TIMEOUT_FACTOR = 10.0
"""The baseline's own timeout is this many times ``timeout``: it is not a mutant."""


@dataclass
class Prepared:
    """A target after init, filters and baseline."""

    target: Target
    session: Path
    to_run: int = 0
    baseline_seconds: float = 0.0
    baseline_error: str = ""
    mutants: list[Mutant] = field(default_factory=lambda: list[Mutant]())
    exec_seconds: float = 0.0


@dataclass(frozen=True)
class Context:
    repo: Path
    settings: Settings
    work: Path
    sessions: Path
    since: str | None
    env: dict[str, str]
    stop: threading.Event


def prepare(context: Context, target: Target, worker: Worker) -> Prepared:
    """init, filters and baseline of one target, using ``worker`` for the baseline."""
    prepared = Prepared(target, context.sessions / f"{target.slug}.sqlite")
    config = context.work / f"{target.slug}.prepare.toml"
    config.write_text(
        cosmic_ray_config(
            context.settings,
            target,
            worker_urls=[worker.url],
            timeout=context.settings.timeout * BASELINE_TIMEOUT_FACTOR,
            since=context.since,
        ),
        encoding="utf-8",
    )
    prepared.session.unlink(missing_ok=True)
    copy = worker.directory
    run_tool([*COSMIC_RAY, "init", str(config), str(prepared.session)], cwd=copy, env=context.env)
    excluded = [
        m.job_id
        for m in read_session(prepared.session)
        if context.settings.excludes_operator(m.operator)
    ]
    mark_skipped(prepared.session, excluded, OPERATOR_NOTE)
    if context.since is not None:
        run_tool(
            git_filter_command(prepared.session, config),
            cwd=context.repo,
            env=git_config_env(context.env),
        )
    mutants = skip_annotations(prepared.session, copy, target.module)
    prepared.to_run = sum(m.outcome is Outcome.PENDING for m in mutants)
    if prepared.to_run == 0:
        prepared.mutants = mutants
        return prepared
    started = time.monotonic()
    baseline = run([*COSMIC_RAY, "baseline", str(config)], copy, context.env)
    prepared.baseline_seconds = time.monotonic() - started
    if not baseline.ok:
        prepared.baseline_error = output_tail(baseline, 3000)
    return prepared


def execute(context: Context, prepared: Prepared, workers: Sequence[Worker]) -> None:
    """Run the pending mutants of one prepared target on all workers."""
    settings = context.settings
    timeout = max(settings.timeout, settings.timeout_factor * prepared.baseline_seconds)
    config = context.work / f"{prepared.target.slug}.exec.toml"
    config.write_text(
        cosmic_ray_config(
            settings, prepared.target, worker_urls=[w.url for w in workers], timeout=timeout
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    run_tool(
        [*COSMIC_RAY, "exec", str(config), str(prepared.session)],
        cwd=workers[0].directory,
        env=context.env,
    )
    prepared.exec_seconds = time.monotonic() - started
    prepared.mutants = read_session(prepared.session)


def output_tail(result: Completed, limit: int) -> str:
    """The end of what a failed cosmic-ray command printed: a Python traceback ends with its
    cause, so the end says more than :func:`tools.process.failure_line`'s first line."""
    return (result.stderr.strip() or result.stdout.strip())[-limit:]


def run_tool(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> str:
    """Run a tool; its stdout, or :class:`MutationError` with the end of its output."""
    result = run(command, cwd, env)
    if not result.ok:
        what = " ".join(command[1:4])
        raise MutationError(
            f"{what} ... failed ({result.returncode}):\n{output_tail(result, 2000)}"
        )
    return result.stdout


def skip_annotations(session: Path, copy: Path, module: str) -> list[Mutant]:
    """Record the annotation mutants of ``module`` as skipped; the session's mutants after."""
    mutants = read_session(session)
    spans = unevaluated_annotation_spans((copy / module).read_text(encoding="utf-8"))
    skip = [
        m.job_id
        for m in mutants
        if m.outcome is Outcome.PENDING and in_any(spans, m.line, m.column)
    ]
    if skip:
        mark_skipped(session, skip, SKIP_NOTE)
        mutants = read_session(session)
    return mutants


def prepare_all(
    context: Context, targets: Sequence[Target], workers: Sequence[Worker]
) -> list[Prepared]:
    """Prepare the targets side by side, target i on worker i modulo the worker count."""
    lanes: list[list[Target]] = [list(targets[i :: len(workers)]) for i in range(len(workers))]

    def lane(index: int) -> list[Prepared]:
        done: list[Prepared] = []
        for target in lanes[index]:
            if context.stop.is_set():
                break
            done.append(prepare(context, target, workers[index]))
        return done

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        try:
            results = [pool.submit(lane, index) for index in range(len(workers))]
            done = [future.result() for future in results]
        except BaseException:
            # Ctrl-C or a failed step: the other lanes stop after their current step.
            context.stop.set()
            raise
    by_module = {p.target.module: p for lane_result in done for p in lane_result}
    return [by_module[t.module] for t in targets]
