"""The exit codes of the workflow tasks (the numbers docs/workflow.md documents), the exit code
a reported error turns into, cutting a cell to a width of nothing, fitting columns to a width,
and the reporter as a fixed value."""

from __future__ import annotations

import dataclasses
import io

import pytest

from tools.workflow.cli import (
    ExitCode,
    Reporter,
    WorkflowError,
    fit_columns,
    run_reported,
    shorten,
)

pytestmark = pytest.mark.unit


def test_every_exit_code_has_its_documented_number_and_none_is_shared() -> None:
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0),
        ("CHECK_FAILED", 1),
        ("USAGE", 2),
        ("REFUSED", 3),
        ("STOPPED", 4),
        ("EXTERNAL", 5),
    ]


@pytest.mark.parametrize(("code", "status"), [(ExitCode.USAGE, 2), (ExitCode.REFUSED, 3)])
def test_a_usage_error_exits_2_and_a_refusal_exits_3(code: ExitCode, status: int) -> None:
    err = io.StringIO()

    def fail() -> None:
        raise WorkflowError(code, "no")

    assert run_reported(fail, Reporter(io.StringIO(), err)) == status
    assert err.getvalue() == "error: no\n"


def test_a_text_cut_to_no_width_is_only_the_ellipsis() -> None:
    assert shorten("abc", 0) == "…"
    assert shorten("abc", 1) == "…"
    assert shorten("", 0) == ""


def test_a_reporter_is_a_fixed_hashable_pair_of_streams() -> None:
    out, err = io.StringIO(), io.StringIO()
    reporter = Reporter(out, err)

    with pytest.raises(dataclasses.FrozenInstanceError):
        reporter.out = err  # type: ignore[misc]
    assert {reporter, Reporter(out, err)} == {reporter}


def test_columns_that_fit_the_limit_exactly_are_all_kept() -> None:
    # The others take 5 + 2 and 4 + 2 characters; with the first column's floor of 4 that is
    # exactly 17, so nothing is dropped and the first column keeps its floor.
    assert fit_columns([5, 10, 4], 17, 1, 4, [2]) == [5, 4, 4]
    assert fit_columns([5, 10, 4], 16, 1, 4, [2]) == [5, 9, 0]
