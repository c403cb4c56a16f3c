"""invoke sync, continue and abort: rebasing a feature branch onto an updated main."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.resume import abort_operation, continue_operation
from tools.workflow.commands.start_task import start_task
from tools.workflow.commands.status import show_status
from tools.workflow.commands.sync import sync_branch
from tools.workflow.repo.state import Operation, load_operation, save_operation

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

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
    assert out.out.endswith("Rebased 2 commit(s) of test/regression-suite onto main.\n")


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
    assert error.details == (
        "resolve the conflicts, then: git add <files> && invoke continue",
        f"or undo the whole sync: invoke abort (back to {head[:10]})",
    )
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


ENDS_THE_REBASE = """#!/bin/sh
# Another git process ends the rebase (git rebase --quit) while continue commits, and the
# commit's ref update is refused.
if [ "$1" = prepared ] && [ -d "$(git rev-parse --git-dir)/rebase-merge" ]; then
  git rebase --quit
  exit 1
fi
"""


def test_continue_failing_with_the_rebase_gone_is_an_external_error(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)
    seed_scratch.stage("story.txt", "both versions\n")
    seed_scratch.install_hook("reference-transaction", ENDS_THE_REBASE)

    with pytest.raises(WorkflowError) as failed:
        continue_operation(seed_scratch.git, out.reporter)

    assert failed.value.code == ExitCode.EXTERNAL
    assert failed.value.message.startswith("git rebase --continue failed: ")
    assert not (seed_scratch.git.git_dir() / "rebase-merge").exists()
    assert seed_scratch.rev("test/regression-suite") == head
    assert load_operation(seed_scratch.git) is not None


def test_status_reports_the_interrupted_sync(seed_scratch: Scratch, out: Captured) -> None:
    _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)

    show_status(seed_scratch.git, out.reporter)

    assert "Interrupted sync of test/regression-suite (step rebase)" in out.out
    assert "In progress: a rebase" in out.out


def test_second_sync_while_interrupted_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    head = _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError) as stopped:
        sync_branch(seed_scratch.git, out.reporter)
    assert stopped.value.details[1] == f"or undo the whole sync: invoke abort (back to {head[:10]})"

    with pytest.raises(WorkflowError) as caught:
        sync_branch(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED


def test_continue_without_an_interrupted_operation(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        continue_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message.startswith("nothing to continue")


def _untracked_file_in_the_way(scratch: Scratch, out: Captured) -> str:
    """A branch that added and removed ``notes.txt``; an untracked ``notes.txt`` now exists,
    so replaying the commit that adds it stops without any conflicted file."""
    start_task(scratch.git, out.reporter, "tv-2025-10-03")
    scratch.commit_file("notes.txt", "draft\n", "docs(tests): draft the notes")
    scratch.clone_git("rm", "--quiet", "notes.txt")
    scratch.clone_git("commit", "--quiet", "-m", "docs(tests): drop the draft notes")
    scratch.write("notes.txt", "my local scribbles\n")
    scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")
    return scratch.clone_git("rev-parse", "HEAD")


def test_rebase_stopping_without_conflicts_reports_gits_reason(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _untracked_file_in_the_way(seed_scratch, out)

    with pytest.raises(WorkflowError) as stopped:
        sync_branch(seed_scratch.git, out.reporter)
    with pytest.raises(WorkflowError) as still:
        continue_operation(seed_scratch.git, out.reporter)

    expected = (
        "rebase of 'test/regression-suite' onto main stopped: error: The following untracked "
        "working tree files would be overwritten by merge:"
    )
    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message == expected
    assert still.value.code == ExitCode.STOPPED
    assert still.value.message == expected
    assert still.value.details[1] == f"or undo the whole sync: invoke abort (back to {head[:10]})"
    assert (seed_scratch.root / "notes.txt").read_text(encoding="utf-8") == "my local scribbles\n"

    (seed_scratch.root / "notes.txt").unlink()
    continue_operation(seed_scratch.git, out.reporter)

    assert "Sync of test/regression-suite finished." in out.out
    assert seed_scratch.clone_git("merge-base", "--is-ancestor", "main", "HEAD") == ""
    assert load_operation(seed_scratch.git) is None


def test_rebase_that_cannot_start_is_an_external_error(
    seed_scratch: Scratch, out: Captured
) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    head = seed_scratch.commit_file("mine.txt", "mine\n", "docs(tests): add my note")
    seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")
    seed_scratch.write("theirs.txt", "my untracked copy\n")

    with pytest.raises(WorkflowError) as caught:
        sync_branch(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == (
        "git rebase main failed: error: The following untracked working tree files would be "
        "overwritten by checkout:"
    )
    assert load_operation(seed_scratch.git) is None
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.git.current_branch() == "test/regression-suite"


def test_continue_after_the_rebase_was_finished_by_hand(
    seed_scratch: Scratch, out: Captured
) -> None:
    _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)
    seed_scratch.stage("story.txt", "both versions\n")
    seed_scratch.git.run("rebase", "--continue", extra_env={"GIT_EDITOR": "true"})
    rebased = seed_scratch.rev("HEAD")

    continue_operation(seed_scratch.git, out.reporter)

    assert out.out.endswith("The rebase is no longer in progress; the sync is finished.\n")
    assert seed_scratch.rev("HEAD") == rebased
    assert load_operation(seed_scratch.git) is None


def test_abort_after_the_rebase_was_aborted_by_hand(seed_scratch: Scratch, out: Captured) -> None:
    head = _conflicting_branch(seed_scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)
    seed_scratch.clone_git("rebase", "--abort")

    abort_operation(seed_scratch.git, out.reporter)

    assert out.out.endswith(
        f"Sync aborted; test/regression-suite is back at {head[:10]}, where it was before "
        "the sync.\n"
    )
    assert load_operation(seed_scratch.git) is None


def _rebased_by_hand(scratch: Scratch, out: Captured) -> str:
    """A sync stopped on a conflict that the user resolved and finished with git itself;
    returns where the branch was before the sync."""
    head = _conflicting_branch(scratch, out)
    with pytest.raises(WorkflowError):
        sync_branch(scratch.git, out.reporter)
    scratch.write("story.txt", "both versions\n")
    scratch.clone_git("add", "story.txt")
    scratch.raw(scratch.root, "rebase", "--continue", env={**scratch.env, "GIT_EDITOR": "true"})
    return head


def test_abort_puts_back_a_branch_rebased_by_hand_while_another_is_checked_out(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _rebased_by_hand(seed_scratch, out)
    seed_scratch.clone_git("switch", "--quiet", "main")

    abort_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.rev("test/regression-suite") == head
    assert seed_scratch.git.current_branch() == "main"
    assert load_operation(seed_scratch.git) is None


def test_a_file_named_like_the_branch_s_ref_does_not_confuse_the_abort(
    seed_scratch: Scratch, out: Captured
) -> None:
    """git reads ``refs/heads/<branch>`` as a path too when such a file exists, unless told
    where the revisions end."""
    head = _rebased_by_hand(seed_scratch, out)
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.write("refs/heads/test/regression-suite", "not a ref\n")

    abort_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.rev("test/regression-suite") == head
    assert load_operation(seed_scratch.git) is None


def test_abort_refuses_when_the_branch_moved_after_a_rebase_finished_by_hand(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _rebased_by_hand(seed_scratch, out)
    later = seed_scratch.commit_file("later.txt", "later\n", "docs(tests): add a later note")

    with pytest.raises(WorkflowError) as caught:
        abort_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        f"cannot abort the sync: test/regression-suite moved on after its rebase finished "
        f"(now {later[:10]}, {head[:10]} before the sync); nothing was changed "
        "(invoke continue clears the record)"
    )
    assert seed_scratch.rev("HEAD") == later
    assert load_operation(seed_scratch.git) is not None


def test_sync_is_refused_while_a_ship_is_interrupted(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-03")
    head = seed_scratch.rev("HEAD")
    assert head is not None
    save_operation(
        seed_scratch.git, Operation("ship", "docs/import-policy-pep420", "push-main", head, head)
    )

    with pytest.raises(WorkflowError) as caught:
        sync_branch(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        "refusing to sync: an interrupted ship of 'docs/import-policy-pep420' is pending "
        "(invoke continue or invoke abort)"
    )


def test_abort_undoes_a_rebase_finished_by_hand_on_a_branch_rebased_before_the_sync(
    seed_scratch: Scratch, out: Captured
) -> None:
    """The reflog entry the branch is put back to may itself be a rebase."""
    seed_scratch.branch_with_commit("docs/story", "story.txt", "branch version\n", "docs: tell it")
    seed_scratch.upstream_commit("other.txt", "other\n", "docs: add another note")
    seed_scratch.clone_git("fetch", "--quiet", "origin")
    seed_scratch.clone_git("rebase", "--quiet", "origin/main")
    rebased_before = seed_scratch.rev("HEAD")
    seed_scratch.upstream_commit("story.txt", "main version\n", "docs: tell the main story")
    with pytest.raises(WorkflowError):
        sync_branch(seed_scratch.git, out.reporter)
    seed_scratch.write("story.txt", "both versions\n")
    seed_scratch.clone_git("add", "story.txt")
    seed_scratch.raw(
        seed_scratch.root, "rebase", "--continue", env={**seed_scratch.env, "GIT_EDITOR": "true"}
    )

    abort_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.rev("HEAD") == rebased_before
    assert (seed_scratch.root / "story.txt").read_text(encoding="utf-8") == "branch version\n"
    assert load_operation(seed_scratch.git) is None


@pytest.mark.parametrize(
    ("last_move", "moved_from_the_start"),
    [("commit: add a note", True), ("rebase (finish): refs/heads/docs/story onto main", False)],
)
def test_abort_refuses_unless_one_rebase_is_all_that_moved_the_branch_since_the_sync(
    seed_scratch: Scratch, out: Captured, last_move: str, moved_from_the_start: bool
) -> None:
    main = str(seed_scratch.rev("main"))
    ref = "refs/heads/docs/story"
    seed_scratch.clone_git("branch", "docs/story", "main")
    tree = f"{main}^{{tree}}"
    between = seed_scratch.clone_git("commit-tree", "-p", main, "-m", "between", tree)
    if not moved_from_the_start:
        seed_scratch.clone_git("update-ref", "-m", "reset: moving", ref, between)
    now = seed_scratch.clone_git("commit-tree", "-p", between, "-m", "now", tree)
    seed_scratch.clone_git("update-ref", "-m", last_move, ref, now)
    save_operation(seed_scratch.git, Operation("sync", "docs/story", "rebase", main, main))

    with pytest.raises(WorkflowError) as caught:
        abort_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message.startswith("cannot abort the sync: docs/story moved on after ")
    assert seed_scratch.rev("docs/story") == now
