"""The invoke tasks answer bad input with one error line and a documented exit code, and their
output fits the terminal: never a Python or Invoke traceback (issue 11, items 8 and "Also seen").

Every test drives the real ``invoke`` as a subprocess inside scratch repositories."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.workflow.scratch import PROJECT_ROOT

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.regression


def test_a_pick_that_is_not_a_number_is_one_usage_line(regression_scratch: Scratch) -> None:
    """What broke: ``--pick`` was an Invoke int option, so ``--pick abc`` ended in Invoke's
    ValueError traceback (exit 1)."""
    result = regression_scratch.invoke("start-task", "tv-2025-12-01", "--pick", "abc")

    assert result.returncode == 2
    assert result.stderr == (
        "error: --pick 'abc': expected the number of a candidate in the list start-task prints "
        "(1, 2, ...)\n"
    )


def test_commit_with_git_s_all_flag_is_one_usage_line(regression_scratch: Scratch) -> None:
    """What broke: ``invoke commit -am MSG`` read ``m`` as the --allow-large reason and then
    failed with Invoke's cryptic "No idea what 'MSG' is!" (exit 1)."""
    result = regression_scratch.invoke("commit", "-am", "feat(qa): add the checks")

    assert result.returncode == 2
    assert result.stderr == (
        "error: invoke commit has no -a/--all: it commits exactly what is staged (stage a "
        "small slice with git add -p, then invoke commit -m MESSAGE)\n"
    )


def test_a_gate_variable_that_is_not_json_is_one_usage_line(regression_scratch: Scratch) -> None:
    """What broke: the gate command was read outside the error handler, so a non-JSON
    ``WORKFLOW_GATE_FAST`` escaped as a WorkflowError traceback (exit 1). Both variables are
    broken so that the test also fails where plain ``invoke commit`` ran the full gate."""
    broken = {"WORKFLOW_GATE_FAST": "nox -s lint", "WORKFLOW_GATE_FULL": "nox -s quality"}
    result = regression_scratch.invoke("commit", "-m", "feat(qa): add the checks", extra_env=broken)

    assert result.returncode == 2
    assert result.stderr == (
        "error: WORKFLOW_GATE_FAST='nox -s lint': expected a JSON array of strings, "
        'e.g. ["nox", "-s", "quality"]\n'
    )


def test_the_task_table_fits_an_80_column_terminal(regression_scratch: Scratch) -> None:
    """What broke: ``invoke tasks`` was 111-152 columns wide whatever the terminal. (Run on a
    terminal since issue 21: piped, the table is no longer cut.)"""
    status, shown = regression_scratch.invoke_on_terminal("tasks", "--all", columns=80)

    lines = shown.splitlines()
    assert status == 0, shown
    assert lines[0].split() == ["id", "status", "priority", "title"]
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("tv-2025-12-02:PR??  Open") for line in lines)


LONG_TITLE = "Make the task table readable at every terminal width and in every pipe"


def test_an_80_column_terminal_shows_40_characters_of_every_title(
    regression_scratch: Scratch,
) -> None:
    """What broke (issue 21): at 80 columns the title got 10 characters (``Adopt PEP…``)
    while the id kept 18 and ``priority`` 8."""
    scratch = regression_scratch
    scratch.add_ledger_entry(f"Open · tv-2025-12-06:PR?? · {LONG_TITLE}")

    status, shown = scratch.invoke_on_terminal("tasks", "--all", columns=80)

    assert status == 0, shown
    assert "Adopt PEP 420 import policy" in shown
    assert "Migrate packages to implicit namespaces" in shown
    assert f"tv-2025-12-06:PR??  Open    -         {LONG_TITLE[:40]}" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


def test_a_piped_task_table_prints_every_title_whole(regression_scratch: Scratch) -> None:
    """What broke (issue 21): ``invoke tasks | grep <word of a title>`` found nothing, since
    titles were cut in a pipe as on a narrow terminal."""
    scratch = regression_scratch
    scratch.add_ledger_entry(f"Open · tv-2025-12-06:PR?? · {LONG_TITLE}")

    result = scratch.invoke("tasks", "--all", extra_env={"COLUMNS": "80"})

    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    for title in (LONG_TITLE, "Adopt PEP 420 import policy", "Check the twins"):
        assert f"  {title}  " in result.stdout


def test_a_reader_that_stops_early_gets_no_broken_pipe_traceback(
    regression_scratch: Scratch,
) -> None:
    """What broke: ``invoke tasks --all | head -1`` could end in a BrokenPipeError traceback.
    Here the reader is gone before the first line is written, which makes it certain."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "invoke", "-r", str(PROJECT_ROOT), "tasks", "--all"],
            cwd=regression_scratch.root,
            env=regression_scratch.env,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)

    assert result.stderr == ""
    assert result.returncode == 0
