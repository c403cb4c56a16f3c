"""invoke pr without gh: checks, gate, push to the bare origin, manual instructions, --number."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest

from tools.workflow.commit_flow import commit_staged
from tools.workflow.errors import ExitCode, WorkflowError
from tools.workflow.pull_request import open_pull_request
from tools.workflow.start_task import start_task
from tools.workflow.state import branch_task
from tools.workflow.sync import sync_branch

if TYPE_CHECKING:
    from tests.integration.workflow.conftest import Captured, Scratch

pytestmark = pytest.mark.integration

BRANCH = "docs/import-policy-pep420"
TODAY = datetime.date(2025, 10, 9)


def _branch_with_work(scratch: Scratch, out: Captured, gate: list[str]) -> None:
    start_task(scratch.git, out.reporter, "tv-2025-10-04")
    scratch.stage("docs/imports.md", scratch.numbered_lines(12))
    commit_staged(
        scratch.git,
        out.reporter,
        "docs(imports): describe the namespace package policy",
        None,
        gate,
    )


def test_without_gh_the_branch_is_pushed_and_the_pr_text_printed(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)

    outcome = open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert outcome.number is None
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == seed_scratch.rev("HEAD")
    assert seed_scratch.clone_git("rev-parse", "--abbrev-ref", "@{upstream}") == f"origin/{BRANCH}"
    assert outcome.draft.title == "docs: make pep 420 the import policy"
    assert outcome.draft.draft is True
    assert "is not on GitHub; open a draft pull request" in out.out
    assert "Title: docs: make pep 420 the import policy" in out.out
    assert "## Testing\n\n- `make quality`\n" in outcome.draft.body
    assert "After opening it, record its number: invoke pr --number <N>" in out.out


def test_number_is_recorded_with_the_date_and_pushed(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)

    outcome = open_pull_request(
        seed_scratch.git, out.reporter, passing_gate, None, TODAY, number=41
    )

    assert outcome.number == 41
    assert "### In progress · tv-2025-10-09:PR41 · Make PEP 420 the import policy" in (
        seed_scratch.ledger_text()
    )
    assert seed_scratch.clone_git("log", "-1", "--format=%s") == (
        "chore(ledger): record pr #41 for make pep 420 the import policy"
    )
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == seed_scratch.rev("HEAD")
    remembered = branch_task(seed_scratch.git, BRANCH)
    assert remembered is not None
    assert remembered.task_id == "tv-2025-10-09:PR41"


def test_invalid_commit_blocks_the_pr_before_pushing(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")
    seed_scratch.commit_file("docs/imports.md", "x\n", "docs: Added things.")

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None


def test_failing_gate_blocks_the_pr(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str], failing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, failing_gate, None, TODAY)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None


def test_rebased_branch_is_pushed_again_with_a_lease(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)
    seed_scratch.upstream_commit("other.txt", "other\n", "docs: add another note")
    sync_branch(seed_scratch.git, out.reporter)

    open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == seed_scratch.rev("HEAD")


def test_pr_without_commits_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/empty-branch")

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert caught.value.code == ExitCode.REFUSED
    assert "no commits ahead of main" in caught.value.message
