"""invoke status and invoke check-range on real commit ranges."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commands.check_range import default_base, run_check_range
from tools.workflow.commands.start_task import start_task
from tools.workflow.commands.status import WorkflowStatus, show_status
from tools.workflow.versioning import read_commit_types

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration


def test_check_range_passes_valid_commits(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    seed_scratch.commit_file("a.txt", seed_scratch.numbered_lines(150), "test(regression): add a")

    verdicts = run_check_range(
        seed_scratch.git, out.reporter, "main", "HEAD", read_commit_types(seed_scratch.root)
    )

    assert [verdict.touched for verdict in verdicts] == [2, 150]
    assert all(verdict.ok for verdict in verdicts)
    assert "All 2 commit(s) in main..HEAD pass." in out.out


def test_check_range_reports_each_bad_commit(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    seed_scratch.commit_file(
        "big.txt", seed_scratch.numbered_lines(250), "test(regression): add big"
    )
    seed_scratch.commit_file("c.txt", "c\n", "Fixed stuff")
    seed_scratch.write("d.txt", seed_scratch.numbered_lines(260))
    seed_scratch.clone_git("add", "d.txt")
    seed_scratch.clone_git(
        "commit", "--quiet", "-m", "test(regression): add d", "-m", "Large-change-reason: fixture"
    )

    with pytest.raises(WorkflowError) as caught:
        run_check_range(
            seed_scratch.git, out.reporter, "main", "HEAD", read_commit_types(seed_scratch.root)
        )

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == "2 of 4 commit(s) in main..HEAD break the rules"
    assert "touches 250 lines, over the 200-line budget" in out.out
    assert "header 'Fixed stuff' is not a Conventional Commit" in out.out
    assert "  260 lines  test(regression): add d" in out.out


def test_check_range_rejects_unknown_base(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        run_check_range(seed_scratch.git, out.reporter, "nope", "HEAD", ("feat",))

    assert caught.value.code == ExitCode.USAGE
    assert "'nope' does not name a commit" in caught.value.message


def test_default_base_prefers_the_local_main(seed_scratch: Scratch) -> None:
    assert default_base(seed_scratch.git, "main", "origin") == "main"
    seed_scratch.clone_git("switch", "--quiet", "-c", "work")
    seed_scratch.clone_git("branch", "-D", "main")
    assert default_base(seed_scratch.git, "main", "origin") == "origin/main"


def test_status_shows_task_commits_and_staged_size(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    seed_scratch.commit_file("a.txt", "a\n", "Fixed stuff")
    seed_scratch.stage("b.txt", seed_scratch.numbered_lines(30))
    stream = io.StringIO()

    status = show_status(seed_scratch.git, Reporter(stream, io.StringIO()))

    assert status.branch == "test/regression-suite"
    assert status.task == "Build a regression suite"
    assert [verdict.ok for verdict in status.verdicts] == [True, False]
    text = stream.getvalue()
    assert "Task: Build a regression suite (tv-2025-10-03:PR??, In progress)" in text
    assert "Ahead of main: 2 commit(s)" in text
    assert "FAIL: header 'Fixed stuff'" in text
    assert "Uncommitted changes: b.txt" in text
    assert "Staged: 30 touched line(s) of the 200-line budget" in text


def test_status_on_main(seed_scratch: Scratch, out: Captured) -> None:
    status = show_status(seed_scratch.git, out.reporter)

    assert status.branch == "main"
    assert status.verdicts == ()
    assert "On main: start work with invoke start-task <id>." in out.out


def test_status_of_an_unlinked_branch_behind_main(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.commit_file("later.txt", "later\n", "docs: add a later note")
    seed_scratch.clone_git("switch", "--quiet", "docs/unplanned-note")

    status = show_status(seed_scratch.git, out.reporter)

    assert status == WorkflowStatus("docs/unplanned-note", None, ())
    assert out.out == (
        "Branch: docs/unplanned-note\n"
        "Task: none linked to this branch (invoke start-task <id>)\n"
        "Ahead of main: 0 commit(s)\n"
        "docs/unplanned-note is not based on the latest main: invoke sync\n"
    )


def test_status_without_a_ledger_or_a_local_main(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    seed_scratch.clone_git("rm", "--quiet", ".ldres/tv-tasks.md")
    seed_scratch.clone_git("commit", "--quiet", "-m", "docs: drop the ledger")
    seed_scratch.clone_git("branch", "--quiet", "-D", "main")

    status = show_status(seed_scratch.git, out.reporter)

    assert status == WorkflowStatus("docs/unplanned-note", None, ())
    assert out.out == (
        "Branch: docs/unplanned-note\n"
        f"Ledger: {seed_scratch.root / '.ldres' / 'tv-tasks.md'}: ledger not found "
        "(expected the task ledger at .ldres/tv-tasks.md)\n"
        "Task: none linked to this branch (invoke start-task <id>)\n"
    )


def test_status_on_a_detached_head(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("switch", "--quiet", "--detach", "HEAD")

    status = show_status(seed_scratch.git, out.reporter)

    assert status == WorkflowStatus(None, None, ())
    assert out.out == "HEAD is detached.\n"


def test_status_lists_each_commit_ahead_by_its_10_character_sha(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    sha = seed_scratch.commit_file("note.txt", "note\n", "docs: add a note")

    show_status(seed_scratch.git, out.reporter)

    assert out.out == (
        "Branch: docs/unplanned-note\n"
        "Task: none linked to this branch (invoke start-task <id>)\n"
        "Ahead of main: 1 commit(s)\n"
        "  commit      lines  verdict  message\n"
        "  ----------  -----  -------  ----------------\n"
        f"  {sha[:10]}  1      ok       docs: add a note\n"
    )
