"""Per-module figures, the report files and the gate, on mutants taken from a real run."""

from __future__ import annotations

import random

import pytest

from tools.mutation.equivalents import EquivalentMutant, changed_text
from tools.mutation.gate import failures, report
from tools.mutation.results import Mutant, Outcome, mutation_diff
from tools.mutation.summary import (
    RunInfo,
    render_markdown,
    summarize,
    unused_equivalents,
)
from tools.mutation.targets import Target

pytestmark = pytest.mark.unit

MODULE = "ml_playground/core/text_tokenizers.py"
# The diff of a mutant that survived a real run (cosmic-ray's banner line included).
RAW_DIFF = """--- mutation diff ---
--- a/ml_playground/core/text_tokenizers.py
+++ b/ml_playground/core/text_tokenizers.py
@@ -25,7 +25,7 @@
                 f"a character vocabulary holds single characters, got {not_single[0]!r}"
             )
         if len(set(chars)) != len(chars):
-            duplicates = sorted(c for c, n in Counter(chars).items() if n > 1)
+            duplicates = sorted(c for c, n in Counter(chars).items() if n >= 1)
             raise DataError(
                 f"a character vocabulary has no duplicates, got {', '.join(map(repr, duplicates))}"
             )"""
TARGET = Target(MODULE, ("tests/unit/core/test_text_tokenizers.py",), 80.0)


def mutant(n: int, outcome: Outcome, *, line: int = 10, diff: str = "", note: str = "") -> Mutant:
    return Mutant(
        job_id=f"job{n}",
        module=MODULE,
        operator="core/ReplaceComparisonOperator_Gt_GtE",
        occurrence=n,
        line=line,
        column=74,
        end_line=line,
        outcome=outcome,
        diff=diff,
        note=note,
    )


SURVIVOR_DIFF = mutation_diff(RAW_DIFF)
MUTANTS = [
    *(mutant(i, Outcome.KILLED) for i in range(6)),
    mutant(6, Outcome.TIMEOUT),
    mutant(7, Outcome.SURVIVED, line=28, diff=SURVIVOR_DIFF),
    mutant(8, Outcome.SURVIVED, line=30, diff="-    x = 1\n+    x = 2"),
    mutant(9, Outcome.INCOMPETENT),
    mutant(10, Outcome.SKIPPED, note="Filtered operator"),
    mutant(11, Outcome.SKIPPED, note="Filtered operator"),
    mutant(12, Outcome.SKIPPED, note="Filtered git"),
    Mutant("other", "other.py", "core/AddNot", 0, 1, 0, 1, Outcome.SURVIVED),
]
SOUND = [m for m in MUTANTS if m.outcome is not Outcome.INCOMPETENT]
"""A run in which every worker gave a verdict."""
EQUIVALENT = EquivalentMutant(
    MODULE,
    "core/ReplaceComparisonOperator_Gt_GtE",
    "x = 1",
    "x = 2",
    "x is overwritten before it is read",
)


def test_the_banner_is_dropped_and_the_changed_lines_are_extracted() -> None:
    assert SURVIVOR_DIFF.startswith("--- a/ml_playground/core/text_tokenizers.py\n")
    assert changed_text(SURVIVOR_DIFF) == (
        "duplicates = sorted(c for c, n in Counter(chars).items() if n > 1)",
        "duplicates = sorted(c for c, n in Counter(chars).items() if n >= 1)",
    )


def test_summarize_counts_each_outcome_and_scores_killed_over_counted() -> None:
    summary = summarize(TARGET, MUTANTS, [EQUIVALENT])
    assert (summary.killed, summary.timeout, summary.survived) == (6, 1, 1)
    assert (summary.equivalent, summary.incompetent, summary.skipped) == (1, 1, 3)
    assert (summary.pending, summary.counted) == (0, 8)
    assert summary.score == pytest.approx(100 * 7 / 8)
    assert [s.line for s in summary.survivors] == [28]
    assert [(m.line, e.reason) for m, e in summary.equivalents] == [
        (30, "x is overwritten before it is read")
    ]
    assert summary.skip_notes == (("Filtered git", 1), ("Filtered operator", 2))
    assert summarize(TARGET, MUTANTS, []).score == pytest.approx(100 * 7 / 9)


def test_a_module_without_counted_mutants_has_no_score_and_passes() -> None:
    summary = summarize(TARGET, [mutant(1, Outcome.SKIPPED, note="Filtered git")], [])
    assert summary.score is None
    assert failures([summary]) == []


def test_reports_are_identical_whatever_order_the_mutants_come_in() -> None:
    info = RunInfo(since="origin/main", workers=2, wall_seconds=90.0, executed=10)
    shuffled = list(MUTANTS)
    random.Random(4).shuffle(shuffled)
    first = summarize(TARGET, MUTANTS, [EQUIVALENT])
    second = summarize(TARGET, shuffled, [EQUIVALENT])
    assert render_markdown([first], info) == render_markdown([second], info)


def test_the_markdown_report_shows_figures_survivors_and_equivalents() -> None:
    summary = summarize(TARGET, MUTANTS, [EQUIVALENT])
    text = render_markdown([summary], RunInfo(workers=2, wall_seconds=120.0, executed=10))
    assert "Scope: every line. Workers: 2. Wall time: 120 s. Mutants run: 10 (5.0 per minute)." in (
        text
    )
    assert f"| `{MODULE}` | 6 | 1 | 1 | 1 | 1 | 3 | 87.5% | 80.0% | ok |" in text
    assert f"- `{MODULE}:28:74` core/ReplaceComparisonOperator_Gt_GtE (occurrence 7)" in text
    assert "  +            duplicates = sorted(c for c, n in Counter(chars).items() if n >= 1)" in (
        text
    )
    assert f"- `{MODULE}:30:74` core/ReplaceComparisonOperator_Gt_GtE: x is overwritten" in text
    assert f"- `{MODULE}`: 2 skipped (Filtered operator)" in text


def test_the_gate_names_the_module_its_score_and_each_survivor() -> None:
    summary = summarize(Target(MODULE, (), 90.0), SOUND, [EQUIVALENT])
    [message] = failures([summary])
    assert message.splitlines() == [
        f"{MODULE}: mutation score 87.5% is below its minimum 90.0% (1 surviving mutant(s);"
        " kill them with a test, or list a truly equivalent one in"
        " tools/mutation/equivalents.py):",
        f"    {MODULE}:28:74 core/ReplaceComparisonOperator_Gt_GtE:"
        " `duplicates = sorted(c for c, n in Counter(chars).items() if n > 1)` ->"
        " `duplicates = sorted(c for c, n in Counter(chars).items() if n >= 1)`",
    ]
    ok, text = report([summary])
    assert not ok
    assert f"mutation: {MODULE}: 87.5% (minimum 90.0%, 7 killed, 1 survived)" in text
    assert "mutation gate FAILED for 1 module(s):" in text
    assert report([summarize(TARGET, SOUND, [EQUIVALENT])])[0]


def test_pending_and_incompetent_mutants_fail_the_gate() -> None:
    summary = summarize(TARGET, [mutant(1, Outcome.KILLED), mutant(2, Outcome.PENDING)], [])
    assert failures([summary]) == [
        f"{MODULE}: 1 mutant(s) never ran (the run stopped early); run it again"
    ]
    summary = summarize(TARGET, [mutant(1, Outcome.KILLED), mutant(2, Outcome.INCOMPETENT)], [])
    assert failures([summary]) == [
        f"{MODULE}: 1 mutant(s) got no verdict (a worker failed; see .cache/mutation/logs and"
        " the session file); run it again"
    ]


def test_unused_equivalent_entries_are_listed() -> None:
    stale = EquivalentMutant(MODULE, "core/AddNot", "if x:", "if not x:", "gone")
    elsewhere = EquivalentMutant("not/run.py", "core/AddNot", "a", "b", "not summarized")
    summary = summarize(TARGET, MUTANTS, [EQUIVALENT, stale])
    assert unused_equivalents([EQUIVALENT, stale, elsewhere], [summary]) == [stale]


def test_the_markdown_report_lists_unused_entries_and_modules_without_mutants() -> None:
    stale = EquivalentMutant(MODULE, "core/AddNot", "if x:", "if not x:", "gone")
    empty = summarize(Target("pkg/empty.py", ("tests",), 90.0), [], [])

    text = render_markdown([empty], RunInfo(workers=1), [stale])

    assert "| `pkg/empty.py` | 0 | 0 | 0 | 0 | 0 | 0 | n/a | 90.0% | no mutants |" in text
    assert text.endswith(
        "## Unused equivalent-mutant entries (update or delete them)\n\n"
        f"- `{MODULE}` core/AddNot: `if x:` -> `if not x:`\n"
    )
