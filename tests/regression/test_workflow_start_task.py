"""``invoke start-task`` starts the entry that was asked for, leaves nothing half-done, and says
plainly when there is nothing to start (issue 11, item 3 and "Also seen").

Every test drives the real ``invoke`` as a subprocess inside scratch repositories."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.regression

LEDGER = ".ldres/tv-tasks.md"
FAILING_GATE = [sys.executable, "-c", "raise SystemExit(3)"]


def test_picking_the_second_twin_marks_the_second_twin(regression_scratch: Scratch) -> None:
    """What broke: of two entries with the same id and title, ``--pick 2`` created the second
    one's branch (feat/twin-two) but marked the first entry In progress."""
    result = regression_scratch.invoke("start-task", "tv-2025-12-01", "--pick", "2")

    assert result.returncode == 0, result.stderr
    assert regression_scratch.branch() == "feat/twin-two"
    headings = [
        line for line in regression_scratch.ledger_text().splitlines() if "Check the twins" in line
    ]
    assert headings == [
        "### Open · tv-2025-12-01:PR?? · Check the twins",
        "### In progress · tv-2025-12-01:PR?? · Check the twins",
    ]


def test_a_derived_branch_name_transliterates_non_ascii_letters(
    regression_scratch: Scratch,
) -> None:
    """What broke: "Fix über parser" became the branch fix/parser-fix-ber-parser."""
    result = regression_scratch.invoke("start-task", "tv-2025-12-02")

    assert result.returncode == 0, result.stderr
    assert regression_scratch.branch() == "fix/parser-fix-uber-parser"
