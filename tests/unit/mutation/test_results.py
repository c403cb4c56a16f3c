"""Reading a cosmic-ray session file: every stored outcome, and files that are not sessions.

The session files are SQLite databases written here with the tables and columns cosmic-ray 8
uses, so each stored combination of worker outcome, test outcome and output can be set up.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import RESULTS, SPECS
from tools.mutation.errors import MutationError
from tools.mutation.results import Mutant, Outcome, mutation_diff, read_session

pytestmark = pytest.mark.unit


def write_session(
    path: Path, results: list[tuple[str, str | None, str | None, str | None, str | None]]
) -> Path:
    """A session with one mutant per result row (job ids ``j0``, ``j1``... on lines 1, 2...)."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(SPECS)
        connection.execute(RESULTS)
        for index, row in enumerate(results):
            connection.execute(
                "INSERT INTO mutation_specs VALUES (?, 'pkg/a.py', 'core/AddNot', 0, ?, 4, ?)",
                (f"j{index}", index + 1, index + 1),
            )
            if row[1] is not None:
                connection.execute("INSERT INTO work_results VALUES (?, ?, ?, ?, ?)", row)
    return path


def test_each_stored_result_has_its_outcome(tmp_path: Path) -> None:
    session = write_session(
        tmp_path / "s.sqlite",
        [
            (
                "j0",
                "NORMAL",
                "KILLED",
                "1 failed\nmutation: killed: pytest exited with 1",
                "--- mutation diff ---\n-a\n+b",
            ),
            ("j1", "NORMAL", "KILLED", "timeout", None),
            ("j2", "NORMAL", "SURVIVED", "1 passed", "-a\n+b"),
            ("j3", "NORMAL", "INCOMPETENT", "SyntaxError", None),
            ("j4", "EXCEPTION", None, "worker crashed", None),
            ("j5", "ABNORMAL", None, None, None),
            ("j6", "SKIPPED", None, "Filtered git", None),
            ("j7", None, None, None, None),  # no result yet
            # The test command failed without the client's kill line: no verdict.
            ("j8", "NORMAL", "KILLED", "python: can't open file 'client.py'", None),
            # cosmic-ray could not make the mutation: there is no mutant to judge.
            ("j9", "EXCEPTION", None, 'File "mutating.py", line 130, in apply_mutation', None),
        ],
    )

    mutants = read_session(session)

    assert [(m.job_id, m.outcome, m.diff, m.note) for m in mutants] == [
        ("j0", Outcome.KILLED, "-a\n+b", ""),
        ("j1", Outcome.TIMEOUT, "", ""),
        ("j2", Outcome.SURVIVED, "-a\n+b", ""),
        ("j3", Outcome.INCOMPETENT, "", ""),
        ("j4", Outcome.INCOMPETENT, "", ""),
        ("j5", Outcome.INCOMPETENT, "", ""),
        ("j6", Outcome.SKIPPED, "", "Filtered git"),
        ("j7", Outcome.PENDING, "", ""),
        ("j8", Outcome.INCOMPETENT, "", ""),
        ("j9", Outcome.SKIPPED, "", 'File "mutating.py", line 130, in apply_mutation'),
    ]
    assert (mutants[3].line, mutants[3].column, mutants[3].end_line) == (4, 4, 4)


def test_a_diff_without_the_banner_is_kept_whole() -> None:
    assert mutation_diff("-a\n+b\n") == "-a\n+b"
    assert mutation_diff("--- mutation diff ---\n-a\n+b") == "-a\n+b"
    assert mutation_diff("") == ""


def test_a_missing_file_is_a_session_error(tmp_path: Path) -> None:
    with pytest.raises(MutationError) as missing:
        read_session(tmp_path / "none.sqlite")
    assert str(missing.value) == f"no session file {(tmp_path / 'none.sqlite').as_posix()}"


def test_a_file_that_is_no_database_is_a_session_error(tmp_path: Path) -> None:
    session = tmp_path / "text.sqlite"
    session.write_text("not a database at all, but long enough to have a header page\n" * 20)
    with pytest.raises(MutationError) as unreadable:
        read_session(session)
    assert str(unreadable.value) == (
        f"{session.as_posix()}: not readable as a session (file is not a database)"
    )


def test_a_session_of_another_layout_is_refused(tmp_path: Path) -> None:
    session = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(session)) as connection, connection:
        connection.execute(SPECS)
        connection.execute("CREATE TABLE work_results (job_id TEXT, outcome TEXT)")
    with pytest.raises(MutationError) as refused:
        read_session(session)
    assert str(refused.value) == (
        f"{session.as_posix()}: not readable as a session (no such column: r.worker_outcome)"
    )


def test_a_mutant_is_an_immutable_value_that_sets_and_dicts_can_hold() -> None:
    mutant = Mutant("j0", "pkg/a.py", "core/AddNot", 0, 3, 4, 3, Outcome.SURVIVED)
    same = Mutant("j0", "pkg/a.py", "core/AddNot", 0, 3, 4, 3, Outcome.SURVIVED)
    assert {mutant, same} == {mutant}
    assert mutant.location == "pkg/a.py:3:4"
    with pytest.raises(dataclasses.FrozenInstanceError):
        mutant.line = 4  # type: ignore[misc]
