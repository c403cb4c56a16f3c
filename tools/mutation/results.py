"""The mutants of a cosmic-ray session and what happened to each, as typed records.

:func:`read_session` reads the session's SQLite file (``mutation_specs`` joined with
``work_results``, what ``cosmic-ray dump`` prints) with the standard library; a file of another
layout is refused by SQLite itself: the query names columns it does not have."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import KILLED

NOT_APPLICABLE = "in apply_mutation"
"""In the traceback of a mutation cosmic-ray cannot make (``ExceptionReplacer`` on a dotted
name in a tuple, ``except (OSError, json.JSONDecodeError)``): no mutant exists, so it is not
counted (as filtered)."""
TIMEOUT_OUTPUT = "timeout"
"""What cosmic-ray records as the output of a test run that it stopped at the timeout."""


class Outcome(StrEnum):
    KILLED = "killed"
    """The tests failed on the mutant: they noticed it."""
    TIMEOUT = "timeout"
    """The tests ran past the per-mutant timeout (counted as killed: the mutant hangs)."""
    SURVIVED = "survived"
    """The tests passed on the mutant."""
    INCOMPETENT = "incompetent"
    """No verdict: the worker failed, cosmic-ray could not apply the mutation, or the test
    command failed without running the tests to a failure."""
    SKIPPED = "skipped"
    """Not run on purpose (``--since``, an operator filter, an annotation)."""
    PENDING = "pending"
    """Not run yet: the run stopped before it got there."""


@dataclass(frozen=True)
class Mutant:
    """One mutation of one module and its outcome."""

    job_id: str
    module: str
    operator: str
    occurrence: int
    line: int
    """1-based line where the mutated code starts."""
    column: int
    """0-based column (in characters) where the mutated code starts."""
    end_line: int
    outcome: Outcome
    diff: str = ""
    """The unified diff of the mutation (empty when it did not run)."""
    note: str = ""
    """Why a mutant was skipped, as the filter recorded it."""

    @property
    def location(self) -> str:
        return f"{self.module}:{self.line}:{self.column}"


def _outcome(worker: str | None, test: str | None, output: str | None) -> Outcome:
    """The outcome of a mutant from its stored result (cosmic-ray stores enum names)."""
    if worker is None:
        return Outcome.PENDING
    if worker == "SKIPPED" or (worker == "EXCEPTION" and NOT_APPLICABLE in (output or "")):
        return Outcome.SKIPPED
    if worker != "NORMAL":
        return Outcome.INCOMPETENT
    if test == "KILLED":
        if output == TIMEOUT_OUTPUT:
            return Outcome.TIMEOUT
        # A failed test command is a kill only when the client said so: anything else (it
        # could not start, pytest could not run the tests) says nothing about the mutant.
        return Outcome.KILLED if KILLED in (output or "") else Outcome.INCOMPETENT
    if test == "SURVIVED":
        return Outcome.SURVIVED
    return Outcome.INCOMPETENT


def mutation_diff(raw: str) -> str:
    """cosmic-ray's diff without its ``--- mutation diff ---`` banner."""
    lines = raw.splitlines()
    if lines and lines[0].startswith("--- mutation diff"):
        lines = lines[1:]
    return "\n".join(lines)


_QUERY = """
SELECT s.job_id, s.module_path, s.operator_name, s.occurrence, s.start_pos_row,
       s.start_pos_col, s.end_pos_row, r.worker_outcome, r.test_outcome, r.output, r.diff
FROM mutation_specs AS s LEFT JOIN work_results AS r ON r.job_id = s.job_id
"""


def read_session(session: Path) -> list[Mutant]:
    """Every mutant of a session file, sorted by module, position, operator and occurrence."""
    if not session.is_file():
        raise MutationError(f"no session file {session.as_posix()}")
    uri = f"{session.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            rows = connection.execute(_QUERY).fetchall()
    except sqlite3.DatabaseError as exc:
        raise MutationError(f"{session.as_posix()}: not readable as a session ({exc})") from None
    mutants: list[Mutant] = []
    for job, module, operator, occurrence, line, column, end, worker, test, output, diff in rows:
        outcome = _outcome(worker, test, output)
        numbers = (int(occurrence), int(line), int(column), int(end))
        diff_text = mutation_diff(diff) if isinstance(diff, str) else ""
        note = str(output or "") if outcome is Outcome.SKIPPED else ""
        where = (str(job), Path(str(module)).as_posix(), str(operator))
        mutants.append(Mutant(*where, *numbers, outcome, diff_text, note))
    return sorted(mutants, key=lambda m: (m.module, m.line, m.column, m.operator, m.occurrence))
