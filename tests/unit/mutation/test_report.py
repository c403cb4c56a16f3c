"""The report of cosmic-ray sessions and the gate, on session files written here.

The session files are SQLite databases with the tables and columns cosmic-ray 8 uses
(:data:`tests.unit.mutation.conftest.SPECS`), holding results as cosmic-ray and its filters
store them: a timeout as a killed run whose output is ``timeout``, ``# pragma: no mutate`` as a
skipped result without output, the operator and git filters as skipped results saying so.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import RESULTS, SPECS
from tools.mutation.annotations import SKIP_NOTE
from tools.mutation.report import Figures, conclude, figures, problem, render, score_text
from tools.mutation.results import Mutant, Outcome, read_session
from tools.mutation.settings import Settings

pytestmark = pytest.mark.unit

OPERATOR = "core/ReplaceComparisonOperator_Gt_GtE"
SURVIVOR_DIFF = (
    "--- mutation diff ---\n--- apkg/a.py\n+++ bpkg/a.py\n@@ -5,1 +5,1 @@\n"
    "-    return x > 1\n+    return x >= 1"
)

Row = tuple[str, int, str | None, str | None, str | None, str | None]
"""A mutant: module, line, worker outcome, test outcome, output, diff (no worker outcome: no
result yet)."""


def write_session(path: Path, rows: list[Row]) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(SPECS)
        connection.execute(RESULTS)
        for index, (module, line, worker, test, output, diff) in enumerate(rows):
            job = f"{path.stem}-{index}"
            connection.execute(
                "INSERT INTO mutation_specs VALUES (?, ?, ?, 0, ?, 11, ?)",
                (job, module, OPERATOR, line, line),
            )
            if worker is not None:
                connection.execute(
                    "INSERT INTO work_results VALUES (?, ?, ?, ?, ?)",
                    (job, worker, test, output, diff),
                )
    return path


A_ROWS: list[Row] = [
    (
        "pkg/a.py",
        1,
        "NORMAL",
        "KILLED",
        "1 failed\nmutation: killed: pytest exited with 1",
        "-a\n+b",
    ),
    (
        "pkg/a.py",
        2,
        "NORMAL",
        "KILLED",
        "1 failed\nmutation: killed: pytest exited with 1",
        "-a\n+b",
    ),
    (
        "pkg/a.py",
        3,
        "NORMAL",
        "KILLED",
        "1 failed\nmutation: killed: pytest exited with 1",
        "-a\n+b",
    ),
    ("pkg/a.py", 4, "NORMAL", "KILLED", "timeout", None),
    ("pkg/a.py", 5, "NORMAL", "SURVIVED", "1 passed", SURVIVOR_DIFF),
    ("pkg/a.py", 6, "SKIPPED", None, None, None),  # pragma: no mutate
    ("pkg/a.py", 7, "SKIPPED", None, SKIP_NOTE, None),
    ("pkg/a.py", 8, "SKIPPED", None, "Filtered operator", None),
    ("pkg/a.py", 9, "SKIPPED", None, "Filtered git", None),
]
B_ROWS: list[Row] = [
    (
        "pkg/b.py",
        1,
        "NORMAL",
        "KILLED",
        "1 failed\nmutation: killed: pytest exited with 1",
        "-a\n+b",
    ),
    ("pkg/b.py", 2, None, None, None, None),  # pending
    ("pkg/b.py", 3, "EXCEPTION", None, "worker crashed", None),  # incompetent
]


def settings(default: float = 90.0, **minimums: float) -> Settings:
    return Settings(
        packages=("pkg",),
        excluded={},
        min_scores={f"pkg/{name}.py": score for name, score in minimums.items()},
        default_min_score=default,
        timeout=900.0,
        timeout_factor=5.0,
        min_timeout=10.0,
        test_budget=2.0,
        pytest_args=(),
        test_env={},
        preload=(),
        exclude_operators=(),
    )


def test_each_outcome_is_counted_in_its_column(tmp_path: Path) -> None:
    session = write_session(tmp_path / "run.sqlite", [*B_ROWS, *A_ROWS])

    a, b = figures(read_session(session))

    assert a.module == "pkg/a.py"
    assert a.counts == Counter(killed=4, survived=1, equivalent=2, filtered=2)
    assert [(m.location, m.operator) for m in a.survivors] == [("pkg/a.py:5:11", OPERATOR)]
    assert a.score == 80.0
    assert b.module == "pkg/b.py"
    assert b.counts == Counter(killed=1, pending=1, incompetent=1)
    assert b.survivors == []
    assert b.score == 100.0


def test_a_mutant_is_added_by_name_and_the_operator_filter_is_named_too() -> None:
    skipped = Mutant("j", "pkg/a.py", OPERATOR, 0, 1, 0, 1, Outcome.SKIPPED)
    item = Figures("pkg/a.py")
    item.add(mutant=skipped)
    item.add(skipped, filtered_operator=True)
    assert item.counts == Counter(equivalent=1, filtered=1)


def test_a_module_with_nothing_counted_has_no_score_and_passes(tmp_path: Path) -> None:
    session = write_session(
        tmp_path / "s.sqlite",
        [("pkg/a.py", 1, "SKIPPED", None, "Filtered git", None)],
    )
    [item] = figures(read_session(session))
    assert item.score is None
    assert score_text(item.score) == "n/a"
    assert problem(item, 100.0) == ""


def test_a_score_below_the_minimum_is_the_problem_and_at_it_is_none(tmp_path: Path) -> None:
    [item] = figures(read_session(write_session(tmp_path / "s.sqlite", A_ROWS)))
    assert problem(item, 80.5) == "score 80.0% is below its minimum 80.5%"
    assert problem(item, 80.0) == ""


def test_pending_and_incompetent_mutants_are_a_problem_whatever_the_score(
    tmp_path: Path,
) -> None:
    [item] = figures(read_session(write_session(tmp_path / "s.sqlite", B_ROWS)))
    assert problem(item, 0.0) == (
        "2 mutant(s) got no verdict (see .cache/mutation/logs); run it again"
    )
    pending_only = Figures("pkg/c.py", Counter(killed=3, pending=1))
    assert problem(pending_only, 0.0) == (
        "1 mutant(s) got no verdict (see .cache/mutation/logs); run it again"
    )


def test_the_report_has_a_row_per_module_the_total_and_each_survivor(tmp_path: Path) -> None:
    session = write_session(tmp_path / "run.sqlite", [*A_ROWS, *B_ROWS])

    text = render(figures(read_session(session)), settings(a=85.0), 4.0)

    assert text == (
        "# Mutation testing\n"
        "\n"
        "7 mutant(s) run in 4 s (1.75 per second); overall score 83.3%.\n"
        "\n"
        "| module | killed | survived | equivalent | filtered | incompetent | pending"
        " | score | minimum | verdict |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        "| `pkg/a.py` | 4 | 1 | 2 | 2 | 0 | 0 | 80.0% | 85.0%"
        " | score 80.0% is below its minimum 85.0% |\n"
        "| `pkg/b.py` | 1 | 0 | 0 | 0 | 1 | 1 | 100.0% | 90.0%"
        " | 2 mutant(s) got no verdict (see .cache/mutation/logs); run it again |\n"
        "| total | 5 | 1 | 2 | 2 | 1 | 1 | 83.3% | | |\n"
        "\n"
        f"- `pkg/a.py:5:11` {OPERATOR} survived\n"
        "\n"
        "  ```diff\n"
        "  --- apkg/a.py\n"
        "  +++ bpkg/a.py\n"
        "  @@ -5,1 +5,1 @@\n"
        "  -    return x > 1\n"
        "  +    return x >= 1\n"
        "  ```\n"
    )


def test_without_a_duration_the_report_gives_no_rate() -> None:
    assert render([], settings(), 0.0).splitlines()[2] == "0 mutant(s) run; overall score n/a."


def test_the_gate_fails_with_exit_1_and_names_the_survivor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = write_session(tmp_path / "run.sqlite", A_ROWS)
    cache = tmp_path / "cache"

    status = conclude(cache, [session], settings(), 10.0)

    assert status == 1
    out, err = capsys.readouterr()
    assert err == (
        "mutation: pkg/a.py: 80.0% (minimum 90.0%): score 80.0% is below its minimum 90.0%\n"
        f"    pkg/a.py:5:11 {OPERATOR}\n"
    )
    summary = cache / "summary.md"
    assert out == f"mutation: gate FAILED for 1 module(s); report in {summary.as_posix()}\n"
    mutants = read_session(session)
    assert summary.read_text(encoding="utf-8") == render(figures(mutants), settings(), 10.0)


def test_the_gate_passes_when_every_module_holds_its_minimum_across_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shards = [
        write_session(tmp_path / "shard-1.sqlite", A_ROWS),
        write_session(tmp_path / "shard-2.sqlite", B_ROWS[:1]),
        tmp_path / "shard-3.sqlite",  # a shard without modules writes no session
    ]

    cache = tmp_path / ".cache" / "mutation"  # neither exists yet

    status = conclude(cache, shards, settings(a=80.0), 10.0)

    assert status == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "mutation: pkg/a.py: 80.0% (minimum 80.0%)",
        "mutation: pkg/b.py: 100.0% (minimum 90.0%)",
        f"mutation: gate passed; report in {(cache / 'summary.md').as_posix()}",
    ]
