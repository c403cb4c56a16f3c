"""From the mutants of each target to the per-module figures and the report.

Pure functions: :func:`summarize` counts one target's mutants (killed, timeout, survived,
equivalent, incompetent, skipped, pending) and computes its score; :func:`render_markdown`
writes the report (``.cache/mutation/summary.md``). Modules come in target order, mutants by
line, column, operator and occurrence, so two runs with the same outcome give the same report
apart from the timing figures.

Score
    ``(killed + timeout) / (killed + timeout + survived)`` in percent, where ``survived``
    excludes the equivalent mutants listed in :mod:`tools.mutation.equivalents`. Incompetent,
    skipped and pending mutants are not counted; a module with nothing counted has no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tools.mutation.equivalents import EquivalentMutant, find
from tools.mutation.results import Mutant, Outcome
from tools.mutation.targets import Target


@dataclass(frozen=True)
class ModuleSummary:
    module: str
    min_score: float
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    equivalent: int = 0
    incompetent: int = 0
    skipped: int = 0
    pending: int = 0
    survivors: tuple[Mutant, ...] = ()
    equivalents: tuple[tuple[Mutant, EquivalentMutant], ...] = ()
    """The surviving mutants listed as equivalent, each with its entry (and so its reason)."""
    skip_notes: tuple[tuple[str, int], ...] = field(default=())
    """How many mutants were skipped for each reason, by reason."""

    @property
    def counted(self) -> int:
        return self.killed + self.timeout + self.survived

    @property
    def score(self) -> float | None:
        if self.counted == 0:
            return None
        return 100.0 * (self.killed + self.timeout) / self.counted


def summarize(
    target: Target, mutants: Iterable[Mutant], equivalents: Sequence[EquivalentMutant]
) -> ModuleSummary:
    """The figures of ``target`` from its mutants (mutants of other modules are ignored)."""
    counts = dict.fromkeys(Outcome, 0)
    survivors: list[Mutant] = []
    equivalent: list[tuple[Mutant, EquivalentMutant]] = []
    notes: dict[str, int] = {}
    for mutant in sorted(mutants, key=lambda m: m.sort_key):
        if mutant.module != target.module:
            continue
        if mutant.outcome is Outcome.SURVIVED:
            entry = find(equivalents, mutant)
            if entry is not None:
                equivalent.append((mutant, entry))
                continue
            survivors.append(mutant)
        if mutant.outcome is Outcome.SKIPPED:
            notes[mutant.note or "skipped"] = notes.get(mutant.note or "skipped", 0) + 1
        counts[mutant.outcome] += 1
    return ModuleSummary(
        module=target.module,
        min_score=target.min_score,
        killed=counts[Outcome.KILLED],
        timeout=counts[Outcome.TIMEOUT],
        survived=counts[Outcome.SURVIVED],
        equivalent=len(equivalent),
        incompetent=counts[Outcome.INCOMPETENT],
        skipped=counts[Outcome.SKIPPED],
        pending=counts[Outcome.PENDING],
        survivors=tuple(survivors),
        equivalents=tuple(equivalent),
        skip_notes=tuple(sorted(notes.items())),
    )


def unused_equivalents(
    entries: Sequence[EquivalentMutant], summaries: Sequence[ModuleSummary]
) -> list[EquivalentMutant]:
    """Entries for a summarized module that matched none of its survivors: the line changed
    (update the entry) or a test now kills the mutant (delete it). Only meaningful for a
    complete run of the module (no ``--since``)."""
    used = {entry for summary in summaries for _, entry in summary.equivalents}
    modules = {summary.module for summary in summaries}
    return [e for e in entries if e.module in modules and e not in used]


def format_score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}%"


@dataclass(frozen=True)
class RunInfo:
    """How the run went, for the report header."""

    since: str | None = None
    workers: int = 0
    wall_seconds: float = 0.0
    executed: int = 0
    """Mutants that ran a test (killed, timeout, survived, incompetent by a worker)."""

    @property
    def mutants_per_minute(self) -> float:
        return 60.0 * self.executed / self.wall_seconds if self.wall_seconds > 0 else 0.0


def _verdict(summary: ModuleSummary) -> str:
    score = summary.score
    if score is None:
        return "no mutants"
    return "ok" if score >= summary.min_score else "BELOW MINIMUM"


def render_markdown(
    summaries: Sequence[ModuleSummary], info: RunInfo, unused: Sequence[EquivalentMutant] = ()
) -> str:
    lines = ["# Mutation testing summary", ""]
    scope = f"lines changed since `{info.since}`" if info.since else "every line"
    lines += [
        f"Scope: {scope}. Workers: {info.workers}. Wall time: {info.wall_seconds:.0f} s."
        f" Mutants run: {info.executed} ({info.mutants_per_minute:.1f} per minute).",
        "",
        "| module | killed | timeout | survived | equivalent | incompetent | skipped | score"
        " | minimum | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in summaries:
        lines.append(
            f"| `{s.module}` | {s.killed} | {s.timeout} | {s.survived} | {s.equivalent}"
            f" | {s.incompetent} | {s.skipped} | {format_score(s.score)}"
            f" | {s.min_score:.1f}% | {_verdict(s)} |"
        )
    for s in summaries:
        if not s.survivors:
            continue
        lines += ["", f"## Surviving mutants: `{s.module}`", ""]
        for survivor in s.survivors:
            lines += [
                f"- `{survivor.location}` {survivor.operator} (occurrence {survivor.occurrence})",
                "",
                "  ```diff",
                *(f"  {line}" for line in survivor.diff.splitlines()),
                "  ```",
            ]
    equivalents = [e for s in summaries for e in s.equivalents]
    if equivalents:
        lines += ["", "## Equivalent mutants (not counted)", ""]
        lines += [f"- `{m.location}` {m.operator}: {e.reason}" for m, e in equivalents]
    if unused:
        lines += ["", "## Unused equivalent-mutant entries (update or delete them)", ""]
        lines += [f"- `{e.module}` {e.operator}: `{e.original}` -> `{e.mutated}`" for e in unused]
    notes = sorted({note for s in summaries for note, _ in s.skip_notes})
    if notes:
        lines += ["", "## Skipped mutants", ""]
        for s in summaries:
            for note, count in s.skip_notes:
                lines.append(f"- `{s.module}`: {count} skipped ({note})")
    return "\n".join(lines) + "\n"
