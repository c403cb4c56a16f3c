"""invoke sync, continue and abort: rebasing a feature branch onto an updated main."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.workflow.errors import ExitCode, WorkflowError
from tools.workflow.resume import abort_operation, continue_operation
from tools.workflow.start_task import start_task
from tools.workflow.state import load_operation
from tools.workflow.status import show_status
from tools.workflow.sync import sync_branch

if TYPE_CHECKING:
    from tests.integration.workflow.conftest import Captured, Scratch

pytestmark = pytest.mark.integration


def _conflicting_branch(scratch: Scratch, out: Captured) -> str:
    start_task(scratch.git, out.reporter, "tv-2025-10-03")
    scratch.commit_file("story.txt", "branch version\n", "docs(tests): tell the branch story")
    scratch.upstream_commit("story.txt", "main version\n", "docs: tell the main story")
    return scratch.clone_git("rev-parse", "HEAD")


def test_sync_rebases_onto_the_updated_main(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    seed_scratch.commit_file("mine.txt", "mine\n", "docs(tests): add my note")
    newer = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")

    rebased = sync_branch(seed_scratch.git, out.reporter)

    assert rebased is True
    assert seed_scratch.rev("main") == newer
    assert seed_scratch.clone_git("merge-base", "HEAD", "main") == newer
    assert seed_scratch.clone_git("rev-list", "--count", "main..HEAD") == "2"
    assert "Rebased 2 commit(s) of test/regression-suite onto main." in out.out


def test_sync_when_already_current_changes_nothing(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    head = seed_scratch.rev("HEAD")

    assert sync_branch(seed_scratch.git, out.reporter) is False
    assert seed_scratch.rev("HEAD") == head


def test_conflict_stops_with_next_steps_and_abort_restores(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _conflicting_branch(seed_scratch, out)

    with pytest.raises(WorkflowError) as caught:
        sync_branch(seed_scratch.git, out.reporter)

    error = caught.value
    assert error.code == ExitCode.STOPPED
    assert error.message == (
        "rebase of 'test/regression-suite' onto main stopped: conflict in 1 file(s): story.txt"
    )
    assert error.details[0] == "resolve the conflicts, then: git add <files> && invoke continue"
    assert load_operation(seed_scratch.git) is not None

    abort_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.git.current_branch() == "test/regression-suite"
    assert load_operation(seed_scratch.git) is None
    assert (seed_scratch.root / "story.txt").read_text(encoding="utf-8") == "branch version\n"


def test_continue_after_resolving_finishes_the_rebase(seed_scratch: Scratch, out: Captured) -> None:
    _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)

    with pytest.raises(WorkflowError) as unresolved:
        continue_operation(seed_scratch.git, out.reporter)
    assert unresolved.value.code == ExitCode.STOPPED
    assert "still unresolved: story.txt" in unresolved.value.message

    seed_scratch.stage("story.txt", "both versions\n")
    continue_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.git.current_branch() == "test/regression-suite"
    assert seed_scratch.clone_git("merge-base", "--is-ancestor", "main", "HEAD") == ""
    assert (seed_scratch.root / "story.txt").read_text(encoding="utf-8") == "both versions\n"
    assert load_operation(seed_scratch.git) is None


def test_status_reports_the_interrupted_sync(seed_scratch: Scratch, out: Captured) -> None:
    _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)

    show_status(seed_scratch.git, out.reporter)

    assert "Interrupted sync of test/regression-suite (step rebase)" in out.out
    assert "In progress: a rebase" in out.out


def test_second_sync_while_interrupted_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)

    with pytest.raises(WorkflowError) as caught:
        sync_branch(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED


def test_continue_without_an_interrupted_operation(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        continue_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message.startswith("nothing to continue")
