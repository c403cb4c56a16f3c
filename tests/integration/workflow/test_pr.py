"""invoke pr's parts on their own: pushing a branch (with a lease after a rewrite) and
recording a PR number in the ledger."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest

from tools.workflow.commands.pr import push_branch, record_pr_number
from tools.workflow.ledger.store import load_ledger

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration

TODAY = datetime.date(2025, 10, 9)


def test_a_branch_rewritten_after_its_push_is_pushed_again_with_a_lease(
    seed_scratch: Scratch,
) -> None:
    seed_scratch.branch_with_commit("docs/story", "story.txt", "first\n", "docs: tell it")
    seed_scratch.clone_git("push", "--quiet", "--set-upstream", "origin", "docs/story")
    seed_scratch.clone_git("commit", "--quiet", "--amend", "-m", "docs: tell it again")
    rewritten = seed_scratch.rev("HEAD")

    push_branch(seed_scratch.git, "docs/story", "origin")

    assert seed_scratch.origin_rev("refs/heads/docs/story") == rewritten


def test_a_number_the_entry_already_holds_is_not_recorded_again(
    seed_scratch: Scratch, out: Captured
) -> None:
    loaded = load_ledger(seed_scratch.root)
    (entry,) = [e for e in loaded.ledger.entries if e.raw_id == "tv-2025-10-03:PR35"]
    head = seed_scratch.rev("HEAD")

    recorded = record_pr_number(
        seed_scratch.git, out.reporter, loaded, entry, 35, TODAY, "docs/coverage-badge"
    )

    assert recorded is False
    assert seed_scratch.rev("HEAD") == head
    assert out.out == ""
