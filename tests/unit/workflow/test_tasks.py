"""invoke tasks on a terminal and on a pipe: which columns a narrow terminal keeps, how far the
title is cut, and the plain table (not JSON) by default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tools.workflow.cli import Reporter
from tools.workflow.commands.tasks import list_tasks

pytestmark = pytest.mark.unit

TITLE = "Describe every sampling option of the command line with one example each"
LEDGER = (
    "# tv-tasks\n\n"
    f"### Open · tv-2025-11-01:PR12 · {TITLE}\n\n"
    "- **Priority**: P2\n"
    "- **Size**: S\n"
    "- **Git plan**:\n"
    "  - Branch: `docs/sampling-options`\n"
)


def _listed(tmp_path: Path, width: int | None) -> list[str]:
    (tmp_path / ".ldres").mkdir()
    (tmp_path / ".ldres" / "tv-tasks.md").write_text(LEDGER, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    list_tasks(tmp_path, Reporter(out, err), show_all=False, width=width)

    assert err.getvalue() == ""
    return out.getvalue().splitlines()


def test_a_narrow_terminal_keeps_the_id_and_forty_characters_of_the_title(
    tmp_path: Path,
) -> None:
    assert _listed(tmp_path, 20) == [
        "id" + " " * 18 + "title",
        "-" * 18 + "  " + "-" * 41,
        f"tv-2025-11-01:PR12  {TITLE[:40]}…",
    ]


def test_a_terminal_drops_the_branch_first_and_keeps_the_rest(tmp_path: Path) -> None:
    lines = _listed(tmp_path, 100)

    assert lines[0].split() == ["id", "status", "priority", "size", "title", "blocked-by"]
    assert lines[2].startswith("tv-2025-11-01:PR12  Open    P2        S     Describe every")
    assert len(lines[2]) <= 100


def test_without_a_terminal_the_whole_table_is_printed_as_text(tmp_path: Path) -> None:
    lines = _listed(tmp_path, None)

    assert lines[0].split() == [
        "id",
        "status",
        "priority",
        "size",
        "title",
        "branch",
        "blocked-by",
    ]
    assert lines[2] == (
        f"tv-2025-11-01:PR12  Open    P2        S     {TITLE}  docs/sampling-options  -"
    )
