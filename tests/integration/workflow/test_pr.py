"""invoke pr's parts on their own: pushing a branch (with a lease after a rewrite), the PR
title, recording a PR number in the ledger, and opening the PR through a fake gh."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.pr import open_pull_request, pr_title, push_branch, record_pr_number
from tools.workflow.ledger.parse import parse_ledger_bytes
from tools.workflow.ledger.store import LoadedLedger, load_ledger
from tools.workflow.repo.git import Git

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import FakeGh, GhAnswer, Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration

TODAY = datetime.date(2025, 10, 9)
UNLINKED = "docs/unplanned-note"
GATE = ["true"]
"""The cheapest passing gate: these tests are about what happens after it."""


def _unlinked_branch_on_github(scratch: Scratch) -> str:
    """A branch no ledger entry is linked to (nothing gets recorded), one commit ahead of main,
    whose origin looks like GitHub; returns its head."""
    head = scratch.branch_with_commit(UNLINKED, "note.md", "note\n", "docs: add an unplanned note")
    scratch.use_github_remote()
    return head


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


def test_without_a_ledger_entry_the_title_is_the_first_commit_s_subject() -> None:
    assert pr_title(None, ["docs: write it", "docs: link it"]) == "docs: write it"


def test_a_number_for_a_free_form_entry_is_reported_and_not_recorded(
    tmp_path: Path, out: Captured
) -> None:
    data = b"## Task 2: Fold loose modules\n\n- Target units:\n  - `ml_playground/ema.py`\n"
    loaded = LoadedLedger(tmp_path / "tv-tasks.md", data, parse_ledger_bytes(data))
    (entry,) = loaded.ledger.entries

    recorded = record_pr_number(
        Git(tmp_path, {}), out.reporter, loaded, entry, 12, TODAY, "refactor/fold-modules"
    )

    assert recorded is False
    assert out.out == "'Fold loose modules' is free-form (no id line); PR #12 not recorded.\n"
    assert not (tmp_path / "tv-tasks.md").exists()


def test_gh_opens_a_draft_pr_by_default(
    seed_scratch: Scratch,
    out: Captured,
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    head = _unlinked_branch_on_github(seed_scratch)
    gh = fake_gh(
        {
            "view": (1, "", f'no pull requests found for branch "{UNLINKED}"\n'),
            "create": (0, "https://github.com/acme/scratch/pull/58\n", ""),
        }
    )

    outcome = open_pull_request(seed_scratch.git, out.reporter, GATE, gh.command, TODAY)

    assert outcome.number == 58
    assert outcome.draft.draft is True
    assert [call[:3] for call in gh.calls()] == [
        ["pr", "view", UNLINKED],
        ["pr", "create", "--base"],
    ]
    assert gh.calls()[1][-1] == "--draft"
    assert "Opened draft PR #58: https://github.com/acme/scratch/pull/58\n" in out.out
    assert "gh is not installed" not in out.out
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.origin_rev(f"refs/heads/{UNLINKED}") == head


def test_gh_marks_the_open_pr_of_the_branch_ready(
    seed_scratch: Scratch,
    out: Captured,
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    _unlinked_branch_on_github(seed_scratch)
    gh = fake_gh({"view": (0, "58\n", ""), "ready": (0, "", "")})

    outcome = open_pull_request(seed_scratch.git, out.reporter, GATE, gh.command, TODAY, ready=True)

    assert outcome.number == 58
    assert outcome.draft.draft is False
    assert [call[:3] for call in gh.calls()] == [["pr", "view", UNLINKED], ["pr", "ready", "58"]]
    assert f"PR #58 is already open for {UNLINKED}.\n" in out.out


def test_gh_answering_no_pr_number_and_no_pr_url_is_an_external_error(
    seed_scratch: Scratch,
    out: Captured,
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    _unlinked_branch_on_github(seed_scratch)
    gh = fake_gh({"view": (0, "\n", ""), "create": (0, "Creating a pull request...\n", "")})

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, GATE, gh.command, TODAY)

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == "gh pr create failed: Creating a pull request..."
    assert [call[:2] for call in gh.calls()] == [["pr", "view"], ["pr", "create"]]
