"""The exit codes of the workflow tasks (the numbers docs/workflow.md documents), the exit code
a reported error turns into, and cutting a cell to a width of nothing."""

from __future__ import annotations

import io

import pytest

from tools.workflow.cli import ExitCode, Reporter, WorkflowError, run_reported, shorten

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
