"""Task ids, line splitting, tables, the quality gate runner, the exit-code wrapper, prompts."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.workflow.cli import (
    ExitCode,
    Reporter,
    WorkflowError,
    fit_columns,
    render_table,
    run_reported,
    shorten,
    table_widths,
)
from tools.workflow.ledger.model import (
    TaskId,
    line_ending,
    parse_task_id,
    split_keepends,
    strip_ending,
)
from tools.workflow.quality_gate import FAST_GATE, FULL_GATE, gate_command, run_gate
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ASK_FOUR_TIMES = """
from tools.workflow.cli import ask_yes_no
print([ask_yes_no("Commit?") for _ in range(4)])
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tv-2025-10-03:PR35", TaskId(datetime.date(2025, 10, 3), 35)),
        ("tv-2025-10-04:PR??", TaskId(datetime.date(2025, 10, 4), None)),
        ("tv-2025-02-30:PR1", None),
        ("tv-2025-10-04:PR0", None),
        ("tv-2025-10-04:PR?", None),
        ("tv-25-10-04:PR1", None),
        ("tv-2025-10-04", None),
    ],
)
def test_parse_task_id(text: str, expected: TaskId | None) -> None:
    assert parse_task_id(text) == expected


def test_task_id_text_round_trip() -> None:
    assert str(TaskId(datetime.date(2026, 1, 2), 7)) == "tv-2026-01-02:PR7"
    assert str(TaskId(datetime.date(2026, 1, 2), None)) == "tv-2026-01-02:PR??"


def test_line_helpers() -> None:
    assert split_keepends(b"a\r\nb\nc") == [b"a\r\n", b"b\n", b"c"]
    assert split_keepends(b"") == []
    assert [line_ending(line) for line in split_keepends(b"a\r\nb\nc")] == [b"\r\n", b"\n", b""]
    assert strip_ending("a\r\n") == "a"
    assert strip_ending("a\r") == "a"


def test_table_rendering() -> None:
    lines = render_table(("id", "title"), [["1", "short"], ["22", "a longer one"]])

    assert lines == ["id  title", "--  ------------", "1   short", "22  a longer one"]
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"


def test_a_table_gives_its_first_column_the_room_and_drops_the_others_in_order() -> None:
    rows = [["1", "a rather long title here", "feat/some-long-branch-name", "S"]]
    headers = ("id", "title", "branch", "size")

    widths = fit_columns(table_widths(headers, rows), 30, 1, 12, (2, 3))
    lines = render_table(headers, rows, widths)

    assert widths == [2, 20, 0, 4]
    assert lines == [
        "id  title                 size",
        "--  --------------------  ----",
        "1   a rather long title…  S",
    ]


def test_fitting_keeps_the_floor_and_cuts_no_other_column() -> None:
    assert fit_columns([2, 24, 26], 60, 1, 12, (2,)) == [2, 24, 26]
    assert fit_columns([2, 24, 26], 10, 1, 12, (2,)) == [2, 12, 0]
    assert fit_columns([30, 5], 10, 1, 8, ()) == [30, 5]


def test_a_reporter_whose_reader_is_gone_keeps_going_quietly() -> None:
    """``invoke tasks | head -1``: the task finishes; the rest of its output is dropped."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as stream:
        reporter = Reporter(stream, io.StringIO())
        reporter.say("first line")
        reporter.write("second line\n")

        written = os.fstat(stream.fileno())
        null = Path(os.devnull).stat()
        assert (written.st_dev, written.st_ino) == (null.st_dev, null.st_ino)


def test_gate_command_defaults_and_overrides() -> None:
    assert gate_command("full", {}) == list(FULL_GATE)
    assert gate_command("fast", {"WORKFLOW_GATE_FAST": " "}) == list(FAST_GATE)
    assert gate_command("full", {"WORKFLOW_GATE_FULL": '["make", "check"]'}) == ["make", "check"]
    for bad in ("make check", "[]", '["a", 1]'):
        with pytest.raises(WorkflowError) as caught:
            gate_command("full", {"WORKFLOW_GATE_FULL": bad})
        assert caught.value.code == ExitCode.USAGE


def test_run_gate_streams_output_and_reports_failure(tmp_path: Path) -> None:
    stream = io.StringIO()
    reporter = Reporter(stream, io.StringIO())
    ok = [sys.executable, "-c", "print('all good')"]
    bad = [sys.executable, "-c", "import sys; print('broken'); sys.exit(4)"]

    git = Git(tmp_path, {})
    run_gate("fast", ok, git, reporter, judged=None)
    with pytest.raises(WorkflowError) as caught:
        run_gate("fast", bad, git, reporter, judged=None)

    assert "all good\n" in stream.getvalue()
    assert "broken\n" in stream.getvalue()
    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message.endswith("failed with exit status 4")


def test_run_gate_with_a_missing_program(tmp_path: Path) -> None:
    reporter = Reporter(io.StringIO(), io.StringIO())

    with pytest.raises(WorkflowError) as caught:
        run_gate("fast", ["surely-not-a-real-program-xyz"], Git(tmp_path, {}), reporter, None)
    with pytest.raises(WorkflowError) as empty:
        run_gate("fast", [], Git(tmp_path, {}), reporter, None)

    assert "could not start" in caught.value.message
    assert empty.value.code == ExitCode.USAGE


def test_run_gate_full_outside_a_repository_is_one_line_and_runs_nothing(tmp_path: Path) -> None:
    """The full gate judges a checkout of the commit; without one it cannot start."""
    stream = io.StringIO()
    marker = tmp_path / "gate-ran"
    gate = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]

    with pytest.raises(WorkflowError) as caught:
        run_gate("full", gate, Git(tmp_path, {}), Reporter(stream, io.StringIO()), None)

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message.startswith(
        f"quality gate: git ls-files in {tmp_path}: fatal: not a git repository"
    )
    assert stream.getvalue() == f"Quality gate: {' '.join(gate)}\n"
    assert not marker.exists()


def test_run_reported_turns_errors_into_exit_codes() -> None:
    errors = io.StringIO()
    reporter = Reporter(io.StringIO(), errors)

    def refuse() -> None:
        raise WorkflowError(ExitCode.REFUSED, "refusing: dirty", ["a.py", "b.py"])

    assert run_reported(lambda: None, reporter) == 0
    assert run_reported(refuse, reporter) == 3
    assert errors.getvalue() == "error: refusing: dirty\n  a.py\n  b.py\n"


def test_ask_yes_no_accepts_only_an_explicit_yes() -> None:
    result = subprocess.run(
        [sys.executable, "-c", ASK_FOUR_TIMES],
        cwd=PROJECT_ROOT,
        input="y\n  YES \nnope\n",
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Commit? [y/N] " * 4 + "[True, True, False, False]\n"
