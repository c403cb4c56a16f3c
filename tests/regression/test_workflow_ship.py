"""``invoke ship`` lands exactly what was pushed and reviewed, never loses a commit on origin,
and while it is stopped nothing else runs (issue 11, items 1, 2, 5 and "Also seen").

Every test drives the real ``invoke`` as a subprocess inside scratch repositories."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.regression

BRANCH = "feat/qa-checks"
PASSING_GATE = json.dumps([sys.executable, "-c", "pass"])
GATE = {"WORKFLOW_GATE_FULL": PASSING_GATE, "WORKFLOW_GATE_FAST": PASSING_GATE}


def _pushed_work(scratch: Scratch) -> str:
    """The entry's branch (the ledger plans it) with one commit of work, pushed to origin."""
    work = scratch.branch_with_commit(BRANCH, "qa.txt", "checks\n", "feat(qa): add the checks")
    scratch.clone_git("push", "--quiet", "--set-upstream", "origin", BRANCH)
    return work


def _subject(scratch: Scratch, commit: str) -> str:
    return scratch.clone_git("log", "-1", "--format=%h %s", commit)


def test_ship_keeps_a_teammate_s_commit_on_the_remote_branch(regression_scratch: Scratch) -> None:
    """What broke: clones A and B both pushed to the branch; A shipped, printed "Deleted
    origin/feat/qa-checks", and B's commit was on no ref of origin any more."""
    scratch = regression_scratch
    _pushed_work(scratch)
    theirs = scratch.teammate_pushes(BRANCH, "theirs.txt", "theirs\n", "feat(qa): add their check")

    result = scratch.invoke("ship")

    assert scratch.reachable_from_origin(theirs)
    assert scratch.origin_rev(f"refs/heads/{BRANCH}") == theirs
    assert result.returncode == 3
    assert result.stderr == (
        f"error: refusing to ship: '{BRANCH}' and origin/{BRANCH} differ (only on "
        f"origin/{BRANCH}: {_subject(scratch, theirs)}); ship lands exactly what was pushed, "
        "so push for review (invoke pr) or take the remote commits first (git pull --rebase "
        f"origin {BRANCH})\n"
    )


def test_pr_never_forces_a_push_over_a_teammate_s_commit(regression_scratch: Scratch) -> None:
    """What broke (found by the model-based test): ``invoke pr`` pushed with
    ``--force-with-lease`` whenever origin's branch was not an ancestor of the local one, the
    lease being the tip just fetched; a teammate's commit on that branch was dropped."""
    scratch = regression_scratch
    _pushed_work(scratch)
    theirs = scratch.teammate_pushes(BRANCH, "theirs.txt", "theirs\n", "feat(qa): add their check")
    scratch.commit_file("late.txt", "late\n", "feat(qa): add a late check")
    assert scratch.invoke("sync").returncode == 0

    result = scratch.invoke("pr", extra_env=GATE)

    assert scratch.origin_rev(f"refs/heads/{BRANCH}") == theirs
    assert result.returncode == 3
    assert result.stderr == (
        f"error: refusing to push {BRANCH}: origin/{BRANCH} holds commits this branch never "
        f"had ({_subject(scratch, theirs)}); take them first (git pull --rebase origin "
        f"{BRANCH}): a forced push would drop them\n"
    )


def test_ship_refuses_commits_that_were_never_pushed(regression_scratch: Scratch) -> None:
    """What broke: ship landed local commits made after the branch was pushed for review."""
    scratch = regression_scratch
    _pushed_work(scratch)
    late = scratch.commit_file("late.txt", "late\n", "feat(qa): add a late check")
    main = scratch.origin_rev("refs/heads/main")

    result = scratch.invoke("ship")

    assert scratch.origin_rev("refs/heads/main") == main
    assert result.returncode == 3
    assert result.stderr == (
        f"error: refusing to ship: '{BRANCH}' and origin/{BRANCH} differ (not pushed: "
        f"{_subject(scratch, late)}); ship lands exactly what was pushed, so push for review "
        f"(invoke pr) or take the remote commits first (git pull --rebase origin {BRANCH})\n"
    )


def test_ship_refuses_a_branch_holding_only_ledger_bookkeeping(
    regression_scratch: Scratch,
) -> None:
    """What broke: right after start-task, ship marked the entry Done and landed a branch whose
    only commit was the start-task ledger commit, without a word."""
    scratch = regression_scratch
    assert scratch.invoke("start-task", "tv-2025-12-04").returncode == 0
    started = scratch.clone_git("rev-parse", "HEAD")
    main = scratch.origin_rev("refs/heads/main")

    result = scratch.invoke("ship")

    assert scratch.origin_rev("refs/heads/main") == main
    assert result.returncode == 3
    assert result.stderr == (
        f"error: refusing to ship: '{BRANCH}' holds only ledger bookkeeping "
        f"({_subject(scratch, started)}); commit the work first\n"
    )


def test_a_stopped_ship_makes_other_tasks_refuse_until_continue_or_abort(
    regression_scratch: Scratch,
) -> None:
    """What broke: origin rejected ship's push of main (exit 4), yet ``invoke start-task`` of
    another entry still ran, branching from the unpushed main; after ``invoke abort`` that
    branch carried the first task's commits, and shipping it landed them."""
    scratch = regression_scratch
    _pushed_work(scratch)
    scratch.reject_pushes()
    stopped = scratch.invoke("ship")
    assert stopped.returncode == 4

    started = scratch.invoke("start-task", "tv-2025-12-05")
    listed = scratch.invoke("tasks")
    status = scratch.invoke("status")

    assert scratch.rev("refs/heads/docs/notes-more") is None
    assert started.returncode == 3
    pending = f"an interrupted ship of '{BRANCH}' is pending (invoke continue or invoke abort)"
    assert started.stderr == f"error: refusing to start a task: {pending}\n"
    assert listed.returncode == 3
    assert listed.stderr == f"error: refusing to list the tasks: {pending}\n"
    assert status.returncode == 0
    assert "Interrupted ship of feat/qa-checks (step push-main)" in status.stdout


def test_a_rejected_push_names_the_rejection_not_the_destination(
    regression_scratch: Scratch,
) -> None:
    """What broke: a rejected push of main was reported as "pushing main to origin failed:
    To /path/origin.git", the first line git prints, instead of why it was rejected."""
    scratch = regression_scratch
    _pushed_work(scratch)
    scratch.reject_pushes()

    result = scratch.invoke("ship")

    assert result.returncode == 4
    assert result.stderr.splitlines()[0] == (
        "error: pushing main to origin failed: ! [remote rejected] main -> main "
        "(pre-receive hook declined)"
    )


def test_ship_keeps_a_remote_branch_that_moved_after_the_ship_started(
    regression_scratch: Scratch,
) -> None:
    """What broke: the clean-up step deleted origin's branch without looking at its tip, so a
    commit pushed to it while the ship was stopped was lost."""
    scratch = regression_scratch
    _pushed_work(scratch)
    scratch.reject_pushes("origin is read-only today")
    assert scratch.invoke("ship").returncode == 4
    scratch.accept_pushes()
    theirs = scratch.teammate_pushes(BRANCH, "theirs.txt", "theirs\n", "feat(qa): add their check")

    result = scratch.invoke("continue")

    assert scratch.origin_rev(f"refs/heads/{BRANCH}") == theirs
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"warning: kept origin/{BRANCH}: its tip {theirs[:10]} is not in main (pushed after "
        "the ship started?); nothing of it was deleted\n"
    )
    assert scratch.origin_rev("refs/heads/main") == scratch.rev("main")


def test_abort_refuses_a_ship_whose_push_of_main_already_landed(
    regression_scratch: Scratch,
) -> None:
    """What broke (issue 21): a ship interrupted after origin's main had moved (a slow
    post-receive hook, then Ctrl-C) left its record at the push step; ``invoke abort`` printed
    "Ship aborted; main is back at <old>" and exited 0 while origin's main held the shipped
    commit. The state is reached here without timing: the push is rejected, then the very same
    push lands (as the interrupted one did)."""
    scratch = regression_scratch
    _pushed_work(scratch)
    scratch.reject_pushes()
    assert scratch.invoke("ship").returncode == 4
    scratch.accept_pushes()
    shipped = scratch.clone_git("rev-parse", "main")
    scratch.clone_git("push", "--quiet", "origin", "main")

    aborted = scratch.invoke("abort")

    assert aborted.returncode == 3
    assert aborted.stderr == (
        f"error: cannot abort: origin/main already holds the shipped commit {shipped[:10]}; "
        "finish the ship with invoke continue\n"
    )
    assert scratch.rev("main") == shipped

    continued = scratch.invoke("continue")

    assert continued.returncode == 0, continued.stderr
    assert continued.stdout.endswith(f"Shipped {BRANCH}.\n")
    assert scratch.origin_rev("refs/heads/main") == shipped
    assert scratch.origin_rev(f"refs/heads/{BRANCH}") is None
    assert scratch.rev(f"refs/heads/{BRANCH}") is None
    assert scratch.invoke("status").stdout.count("Interrupted") == 0


def test_continue_finishes_a_landed_ship_after_a_teammate_pushed_on_top(
    regression_scratch: Scratch,
) -> None:
    """What broke (issue 21): after a ship's push of main had landed unseen, a teammate pushed
    on top; ``invoke continue`` pushed main again, was rejected (exit 4) and pointed to
    ``invoke abort``, which must not undo a landed ship."""
    scratch = regression_scratch
    _pushed_work(scratch)
    scratch.reject_pushes()
    assert scratch.invoke("ship").returncode == 4
    scratch.accept_pushes()
    shipped = scratch.clone_git("rev-parse", "main")
    scratch.clone_git("push", "--quiet", "origin", "main")
    scratch.raw(scratch.upstream, "pull", "--quiet", "--ff-only", "origin", "main")
    theirs = scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their notes")

    continued = scratch.invoke("continue")

    assert continued.returncode == 0, continued.stderr
    assert f"origin/main already holds {shipped[:10]}." in continued.stdout
    assert scratch.origin_rev("refs/heads/main") == theirs
    assert scratch.origin_rev(f"refs/heads/{BRANCH}") is None
    assert scratch.rev(f"refs/heads/{BRANCH}") is None
