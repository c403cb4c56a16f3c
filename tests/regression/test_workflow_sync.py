"""``invoke abort`` of a sync puts the branch back where it was, even when the user finished the
rebase by hand first (issue 11, item 7).

The test drives the real ``invoke`` and git as subprocesses inside scratch repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.regression


def test_abort_after_a_rebase_finished_by_hand_puts_the_branch_back(
    regression_scratch: Scratch,
) -> None:
    """What broke: sync stopped on a conflict, the user resolved it and ran ``git rebase
    --continue``; ``invoke abort`` then printed "Sync aborted", exited 0 and left the branch
    rebased, although the docs promise "back exactly where it was"."""
    scratch = regression_scratch
    before = scratch.branch_with_commit(
        "feat/qa-checks", "qa.txt", "branch version\n", "feat(qa): add the checks"
    )
    scratch.upstream_commit("qa.txt", "main version\n", "docs: add the main checks")
    assert scratch.invoke("sync").returncode == 4
    scratch.write("qa.txt", "both versions\n")
    scratch.clone_git("add", "qa.txt")
    scratch.raw(scratch.root, "rebase", "--continue", env={**scratch.env, "GIT_EDITOR": "true"})
    rebased = scratch.clone_git("rev-parse", "HEAD")

    result = scratch.invoke("abort")

    assert scratch.clone_git("rev-parse", "HEAD") == before
    assert scratch.branch() == "feat/qa-checks"
    assert scratch.clone_git("status", "--porcelain") == ""
    assert scratch.clone_git("rev-parse", "feat/qa-checks@{1}") == rebased
    assert result.returncode == 0
    assert result.stdout == (
        f"Sync aborted; feat/qa-checks is back at {before[:10]}, where it was before the sync.\n"
    )
