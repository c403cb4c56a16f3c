"""Reporting: the summary files of a run and the gate, which every module's score must pass.

The minimum of each target is ``[tool.ml_playground.mutation.min-scores]``, set from a measured
run minus a small margin for noise (see docs/testing/mutation.md) and raised as tests improve.
A module below its minimum fails the gate with its name, its score and the surviving mutants
(file, line, operator and the changed line), so the message alone says which test to write. A
module with pending mutants (the run stopped early) or incompetent ones (a worker failed, so
cosmic-ray has no verdict) fails too: its score would be a guess.
A module with no counted mutants (``--since`` touched none of its mutable lines) passes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tools.mutation.equivalents import EQUIVALENT_MUTANTS, changed_text
from tools.mutation.results import Mutant, Outcome
from tools.mutation.steps import Prepared
from tools.mutation.summary import (
    ModuleSummary,
    RunInfo,
    format_score,
    render_markdown,
    summarize,
    unused_equivalents,
)


def _survivor_line(survivor: Mutant) -> str:
    removed, added = changed_text(survivor.diff)
    change = f"`{removed}` -> `{added}`" if removed or added else "(no diff)"
    return f"    {survivor.location} {survivor.operator}: {change}"


def failures(summaries: Sequence[ModuleSummary]) -> list[str]:
    """One message (possibly several lines) per module that fails the gate."""
    messages: list[str] = []
    for summary in summaries:
        if summary.pending:
            messages.append(
                f"{summary.module}: {summary.pending} mutant(s) never ran (the run stopped"
                " early); run it again"
            )
            continue
        if summary.incompetent:
            messages.append(
                f"{summary.module}: {summary.incompetent} mutant(s) got no verdict (a worker"
                " failed; see .cache/mutation/logs and the session file); run it again"
            )
            continue
        score = summary.score
        if score is None or score >= summary.min_score:
            continue
        lines = [
            f"{summary.module}: mutation score {format_score(score)} is below its minimum"
            f" {summary.min_score:.1f}% ({summary.survived} surviving mutant(s); kill them"
            " with a test, or list a truly equivalent one in tools/mutation/equivalents.py):"
        ]
        lines += [_survivor_line(s) for s in summary.survivors]
        messages.append("\n".join(lines))
    return messages


def report(summaries: Sequence[ModuleSummary]) -> tuple[bool, str]:
    """Whether the gate passes, and what to print (scores, then any failure)."""
    lines = [
        f"mutation: {s.module}: {format_score(s.score)} (minimum {s.min_score:.1f}%,"
        f" {s.killed + s.timeout} killed, {s.survived} survived)"
        for s in summaries
    ]
    failed = failures(summaries)
    if failed:
        lines.append(f"mutation gate FAILED for {len(failed)} module(s):")
        lines += failed
    else:
        lines.append("mutation gate passed")
    return not failed, "\n".join(lines)


def conclude(
    cache: Path, prepared: Sequence[Prepared], since: str | None, workers: int, wall: float
) -> int:
    """Write the summary files into ``cache``, print the scores and the verdict; the exit code
    of the run (a failed baseline fails it too)."""
    summaries: list[ModuleSummary] = [
        summarize(p.target, p.mutants, EQUIVALENT_MUTANTS) for p in prepared
    ]
    executed = sum(
        m.outcome not in (Outcome.SKIPPED, Outcome.PENDING) for p in prepared for m in p.mutants
    )
    info = RunInfo(since=since, workers=workers, wall_seconds=wall, executed=executed)
    unused = [] if since else unused_equivalents(EQUIVALENT_MUTANTS, summaries)
    (cache / "summary.md").write_text(render_markdown(summaries, info, unused), encoding="utf-8")
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
        f" minute, {workers} worker(s)); summary in {(cache / 'summary.md').as_posix()}",
        flush=True,
    )
    return 0 if ok and not baseline_failures else 1
