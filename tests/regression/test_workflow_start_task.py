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


def test_starting_done_entries_says_so_in_one_line_naming_what_landed_them(
    regression_scratch: Scratch,
) -> None:
    """What broke: ``invoke start-task tv-2025-10-04``, whose two entries are Done, listed
    both as candidates "that cannot be started" and asked for --pick; picking one created its
    branch again."""
    main = regression_scratch.rev("main")

    result = regression_scratch.invoke("start-task", "tv-2025-10-04")

    assert result.returncode == 2
    assert result.stderr == (
        "error: 'tv-2025-10-04' names 2 entries, all Done, nothing to start: "
        "'Adopt PEP 420 import policy' (tv-2025-10-04:PR??) landed by commit 5f1e2d3 (remove "
        "every `__init__.py`); 'Migrate packages to implicit namespaces' (tv-2025-10-04:PR??) "
        "landed by PR #41\n"
    )
    assert regression_scratch.branch() == "main"
    assert regression_scratch.rev("HEAD") == main


def test_starting_a_shipped_entry_names_the_commit_that_completed_it(
    regression_scratch: Scratch,
) -> None:
    """What broke: starting an entry that ``invoke ship`` had completed created its branch
    again from main and only warned that it was Done."""
    regression_scratch.branch_with_commit(
        "feat/qa-checks", "qa.txt", "checks\n", "feat(qa): add the checks"
    )
    shipped = regression_scratch.invoke("ship")
    assert shipped.returncode == 0, shipped.stderr
    completed = regression_scratch.clone_git("log", "-1", "--format=%h %s", "main")

    result = regression_scratch.invoke("start-task", "tv-2025-12-04")

    assert result.returncode == 2
    assert result.stderr == (
        f"error: 'Add the quality checks' (tv-2025-12-04:PR??) marked Done by {completed}: it "
        "is Done, nothing to start\n"
    )
    assert completed.endswith(" chore(ledger): complete add the quality checks")
    assert regression_scratch.rev("refs/heads/feat/qa-checks") is None


def test_the_start_commit_passes_a_failing_gate_because_it_only_changes_a_heading(
    regression_scratch: Scratch,
) -> None:
    """What broke: with the hooks installed, the pre-commit hook ran the quality gate on the
    one-heading ledger commit of start-task; a failing gate left the branch created and the
    entry unmarked."""
    env = regression_scratch.use_project_hooks(FAILING_GATE)

    result = regression_scratch.invoke("start-task", "tv-2025-12-04", extra_env=env)

    assert result.returncode == 0, result.stderr
    assert regression_scratch.branch() == "feat/qa-checks"
    assert regression_scratch.clone_git("log", "-1", "--format=%s") == (
        "chore(ledger): start add the quality checks"
    )
    assert "### In progress · tv-2025-12-04:PR?? · Add the quality checks" in (
        regression_scratch.ledger_text()
    )


def test_a_refused_start_commit_leaves_no_branch_behind(regression_scratch: Scratch) -> None:
    """What broke: when the ledger commit of start-task failed (here a pre-commit hook of the
    user's own that refuses every commit), the new branch stayed, checked out, with the entry
    not marked."""
    regression_scratch.install_hook("pre-commit", "#!/bin/sh\necho 'policy says no' >&2\nexit 1\n")
    ledger = regression_scratch.ledger_text()

    result = regression_scratch.invoke("start-task", "tv-2025-12-04")

    assert regression_scratch.branch() == "main"
    assert regression_scratch.rev("refs/heads/feat/qa-checks") is None
    assert regression_scratch.ledger_text() == ledger
    assert regression_scratch.clone_git("status", "--porcelain") == ""
    assert result.returncode == 5
    assert result.stderr.splitlines()[0] == (
        "error: marking 'Add the quality checks' In progress failed: git commit of the ledger "
        "('chore(ledger): start add the quality checks') failed: policy says no"
    )
    assert "nothing was started: back on main; feat/qa-checks was removed again" in result.stderr


def test_main_checked_out_in_another_worktree_gives_a_one_line_hint(
    regression_scratch: Scratch,
) -> None:
    """What broke: with main checked out in a second worktree and behind origin, start-task
    failed with git's raw "refusing to fetch into branch" and no hint."""
    regression_scratch.upstream_commit("later.txt", "later\n", "docs: add a later note")
    regression_scratch.clone_git("switch", "--quiet", "-c", "docs/side-notes")
    other = regression_scratch.base / "main-worktree"
    regression_scratch.clone_git("worktree", "add", "--quiet", str(other), "main")

    result = regression_scratch.invoke("start-task", "tv-2025-12-04")

    assert result.returncode == 3
    assert result.stderr == (
        f"error: refusing to fast-forward main: 'main' is checked out in the worktree {other}, "
        f"so git cannot move it from here (run the task there, or free it: git -C {other} "
        "switch --detach)\n"
    )
    assert regression_scratch.branch() == "docs/side-notes"


def test_a_derived_branch_name_transliterates_non_ascii_letters(
    regression_scratch: Scratch,
) -> None:
    """What broke: "Fix über parser" became the branch fix/parser-fix-ber-parser."""
    result = regression_scratch.invoke("start-task", "tv-2025-12-02")

    assert result.returncode == 0, result.stderr
    assert regression_scratch.branch() == "fix/parser-fix-uber-parser"


def test_an_entry_a_teammate_added_on_origin_starts_without_a_pull(
    regression_scratch: Scratch,
) -> None:
    """What broke: start-task looked the id up in the checked-out ledger before updating main,
    so an entry a teammate had pushed to origin's main answered "no ledger entry matches"."""
    scratch = regression_scratch
    ledger = (scratch.upstream / LEDGER).read_text(encoding="utf-8")
    added = (
        "\n### Open · tv-2026-01-05:PR?? · Add the teammate's entry\n\n"
        "- **Summary**: Pushed to origin's main by someone else.\n"
        "- **Git plan**:\n"
        "  - Branch: `feat/qa-teammate`\n"
    )
    pushed = scratch.upstream_commit(LEDGER, ledger + added, "docs(ledger): plan a task")

    result = scratch.invoke("start-task", "tv-2026-01-05")

    assert result.returncode == 0, result.stderr
    assert scratch.branch() == "feat/qa-teammate"
    assert scratch.rev("main") == pushed
    assert "### In progress · tv-2026-01-05:PR?? · Add the teammate's entry" in (
        scratch.ledger_text()
    )
