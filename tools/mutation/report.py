"""The report of one or more cosmic-ray sessions and the gate every module must pass
(:func:`conclude`, called by :mod:`tools.mutation.run` for a run and for ``--combine``).

Score of a module: ``killed / (killed + survived)`` in percent. cosmic-ray's ``cr-rate`` and
``cr-report`` count every skipped mutant (filtered operator, ``# pragma: no mutate``, outside
``--since``) as killed, so their rate says little once filters are used: the score is computed
here from the same session files. A module below its minimum fails the gate, and so does one
with mutants that got no verdict (pending or incompetent): its score would be a guess. A
module with nothing counted (``--since`` touched none of its lines) passes.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.mutation.annotations import SKIP_NOTE
from tools.mutation.results import Mutant, Outcome, read_session
from tools.mutation.settings import Settings


@dataclass
class Figures:
    """The mutants of one module by outcome; equivalent = skipped by ``# pragma: no mutate``
    or by the annotation rule."""

    module: str
    counts: Counter[str] = field(default_factory=lambda: Counter[str]())
    survivors: list[Mutant] = field(default_factory=lambda: list[Mutant]())

    def add(self, mutant: Mutant, *, filtered_operator: bool = False) -> None:
        outcome = mutant.outcome
        if outcome is Outcome.SKIPPED:
            equivalent = mutant.note in ("", SKIP_NOTE) and not filtered_operator
            self.counts["equivalent" if equivalent else "filtered"] += 1
            return
        self.counts["killed" if outcome is Outcome.TIMEOUT else outcome.value] += 1
        if outcome is Outcome.SURVIVED:
            self.survivors.append(mutant)

    @property
    def score(self) -> float | None:
        counted = self.counts["killed"] + self.counts["survived"]
        return 100.0 * self.counts["killed"] / counted if counted else None


def figures(mutants: Sequence[Mutant], exclude_operators: Sequence[str] = ()) -> list[Figures]:
    """The figures of each module. ``cr-filter-pragma`` marks every mutant of a line, those of
    excluded operators too: they count as filtered, not as equivalent (cosmic-ray's own
    matching: any pattern matching at the start of the name)."""
    excluded = re.compile("|".join(f"(?:{e})" for e in exclude_operators) or "(?!)")
    by_module: dict[str, Figures] = {}
    for mutant in mutants:
        filtered = excluded.match(mutant.operator) is not None
        by_module.setdefault(mutant.module, Figures(mutant.module)).add(
            mutant, filtered_operator=filtered
        )
    return [by_module[m] for m in sorted(by_module)]


def score_text(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}%"


def problem(item: Figures, minimum: float) -> str:
    """Why ``item`` fails the gate; empty when it passes."""
    if item.counts["pending"] or item.counts["incompetent"]:
        unjudged = item.counts["pending"] + item.counts["incompetent"]
        return f"{unjudged} mutant(s) got no verdict (see .cache/mutation/logs); run it again"
    score = item.score
    if score is not None and score < minimum:
        return f"score {score_text(score)} is below its minimum {minimum:.1f}%"
    return ""


COLUMNS = ("killed", "survived", "equivalent", "filtered", "incompetent", "pending")


def render(items: Sequence[Figures], settings: Settings, seconds: float) -> str:
    total = sum((item.counts for item in items), Counter[str]())
    run = total["killed"] + total["survived"] + total["incompetent"]
    overall = Figures("all", total).score
    lines = [
        "# Mutation testing",
        "",
        f"{run} mutant(s) run"
        + (f" in {seconds:.0f} s ({run / seconds:.2f} per second)" if seconds else "")
        + f"; overall score {score_text(overall)}.",
        "",
        f"| module | {' | '.join(COLUMNS)} | score | minimum | verdict |",
        f"| --- |{' ---: |' * len(COLUMNS)} ---: | ---: | --- |",
    ]
    for item in items:
        minimum = settings.min_score(item.module)
        verdict = problem(item, minimum) or "ok"
        counts = " | ".join(str(item.counts[c]) for c in COLUMNS)
        lines.append(
            f"| `{item.module}` | {counts} | {score_text(item.score)} | {minimum:.1f}%"
            f" | {verdict} |"
        )
    lines.append(
        f"| total | {' | '.join(str(total[c]) for c in COLUMNS)} | {score_text(overall)} | | |"
    )
    for item in items:
        for survivor in item.survivors:
            lines += [
                "",
                f"- `{survivor.location}` {survivor.operator} survived",
                "",
                "  ```diff",
                *(f"  {line}" for line in survivor.diff.splitlines()),
                "  ```",
            ]
    return "\n".join(lines) + "\n"


def conclude(cache: Path, sessions: Sequence[Path], settings: Settings, seconds: float) -> int:
    """Write ``cache/summary.md``, print one line per module and the verdict; 0 when every
    module passes, 1 when one does not."""
    mutants = [m for session in sessions if session.exists() for m in read_session(session)]
    items = figures(mutants, settings.exclude_operators)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "summary.md").write_text(render(items, settings, seconds), encoding="utf-8")
    failed = 0
    for item in items:
        minimum = settings.min_score(item.module)
        why = problem(item, minimum)
        failed += bool(why)
        print(
            f"mutation: {item.module}: {score_text(item.score)} (minimum {minimum:.1f}%)"
            + (f": {why}" if why else ""),
            file=sys.stderr if why else sys.stdout,
        )
        if why:
            for survivor in item.survivors:
                print(f"    {survivor.location} {survivor.operator}", file=sys.stderr)
    print(
        f"mutation: {'gate FAILED for ' + str(failed) + ' module(s)' if failed else 'gate passed'};"
        f" report in {(cache / 'summary.md').as_posix()}"
    )
    return 1 if failed else 0
