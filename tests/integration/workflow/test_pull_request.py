"""invoke pr: checks, gate, push to the bare origin, a fake gh or manual instructions, --number."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.commands.pr import open_pull_request
from tools.workflow.commands.start_task import start_task
from tools.workflow.commands.sync import sync_branch
from tools.workflow.repo.state import branch_task

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import FakeGh, GhAnswer, Scratch
    from tests.integration.workflow.conftest import Captured

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


def test_without_gh_a_github_remote_gets_a_compare_link(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.use_github_remote()

    outcome = open_pull_request(
        seed_scratch.git, out.reporter, passing_gate, None, TODAY, ready=True
    )

    assert outcome.number is None
    assert outcome.draft.draft is False
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == seed_scratch.rev("HEAD")
    assert (
        "gh is not installed; open a pull request in the browser:\n"
        f"  https://github.com/acme/scratch/compare/main...{BRANCH}?expand=1\n\n"
        "Title: docs: make pep 420 the import policy\n"
    ) in out.out


def test_gh_opens_a_draft_pr_and_its_number_is_recorded(
    seed_scratch: Scratch,
    out: Captured,
    passing_gate: list[str],
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.use_github_remote()
    gh = fake_gh(
        {
            "view": (1, "", f'no pull requests found for branch "{BRANCH}"\n'),
            "create": (0, "https://github.com/acme/scratch/pull/57\n", ""),
        }
    )

    outcome = open_pull_request(seed_scratch.git, out.reporter, passing_gate, gh.command, TODAY)

    assert outcome.number == 57
    calls = gh.calls()
    assert [call[:2] for call in calls] == [["pr", "view"], ["pr", "create"]]
    assert calls[1] == [
        "pr",
        "create",
        "--base",
        "main",
        "--head",
        BRANCH,
        "--title",
        "docs: make pep 420 the import policy",
        "--body",
        outcome.draft.body,
        "--draft",
    ]
    assert "Opened draft PR #57: https://github.com/acme/scratch/pull/57" in out.out
    assert "### In progress · tv-2025-10-09:PR57 · Make PEP 420 the import policy" in (
        seed_scratch.ledger_text()
    )
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == seed_scratch.rev("HEAD")


def test_gh_reuses_an_open_pr_and_marks_it_ready(
    seed_scratch: Scratch,
    out: Captured,
    passing_gate: list[str],
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.use_github_remote()
    gh = fake_gh({"view": (0, "57\n", ""), "ready": (0, "", "")})

    as_draft = open_pull_request(seed_scratch.git, out.reporter, passing_gate, gh.command, TODAY)
    recorded = seed_scratch.rev("HEAD")
    as_ready = open_pull_request(
        seed_scratch.git, out.reporter, passing_gate, gh.command, TODAY, ready=True
    )

    assert (as_draft.number, as_ready.number) == (57, 57)
    assert [call[:3] for call in gh.calls()] == [
        ["pr", "view", BRANCH],
        ["pr", "view", BRANCH],
        ["pr", "ready", "57"],
    ]
    assert out.out.count(f"PR #57 is already open for {BRANCH}.") == 2
    assert "tv-2025-10-09:PR57" in seed_scratch.ledger_text()
    assert seed_scratch.rev("HEAD") == recorded
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == recorded


def test_gh_failures_are_external_errors(
    seed_scratch: Scratch,
    out: Captured,
    passing_gate: list[str],
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.use_github_remote()
    head = seed_scratch.rev("HEAD")
    not_ready = fake_gh({"view": (0, "57\n", ""), "ready": (1, "", "HTTP 403: forbidden\n")})
    not_created = fake_gh(
        {
            "view": (1, "", f'no pull requests found for branch "{BRANCH}"\n'),
            "create": (1, "", "GraphQL: base branch not found\n"),
        }
    )

    with pytest.raises(WorkflowError) as ready:
        open_pull_request(
            seed_scratch.git, out.reporter, passing_gate, not_ready.command, TODAY, ready=True
        )
    with pytest.raises(WorkflowError) as created:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, not_created.command, TODAY)

    assert ready.value.code == ExitCode.EXTERNAL
    assert ready.value.message == "gh pr ready failed: HTTP 403: forbidden"
    assert created.value.code == ExitCode.EXTERNAL
    assert created.value.message == "gh pr create failed: GraphQL: base branch not found"
    assert seed_scratch.rev("HEAD") == head


def test_rejected_push_is_an_external_error(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    hook = seed_scratch.origin / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'origin is read-only today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == (
        f"git push origin {BRANCH} failed: remote: origin is read-only today"
    )
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None


def test_a_push_rejected_for_a_teammate_s_commits_says_how_to_take_them(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("push", "--quiet", "origin", BRANCH)
    theirs = seed_scratch.teammate_pushes(BRANCH, "theirs.txt", "theirs\n", "docs(imports): add")
    seed_scratch.stage("docs/more.md", "more\n")
    commit_staged(seed_scratch.git, out.reporter, "docs(imports): add more", None, passing_gate)

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == (
        f"git push origin {BRANCH} failed: ! [rejected] {BRANCH} -> {BRANCH} (fetch first)"
    )
    assert caught.value.details == (
        f"origin/{BRANCH} has commits this branch lacks: take them with "
        f"git pull --rebase origin {BRANCH}, then invoke pr again",
    )
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") == theirs


def test_pr_without_a_remote_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("remote", "remove", "origin")

    with pytest.raises(WorkflowError) as caught:
        open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == "no remote 'origin' to push to (git remote add origin <url>)"


def test_recording_the_same_number_again_commits_nothing(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY, number=41)
    recorded = seed_scratch.rev("HEAD")

    again = open_pull_request(
        seed_scratch.git, out.reporter, passing_gate, None, TODAY.replace(day=10), number=41
    )

    assert again.number == 41
    assert seed_scratch.rev("HEAD") == recorded
    assert "tv-2025-10-09:PR41" in seed_scratch.ledger_text()


def test_number_for_a_free_form_entry_is_not_recorded(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    start_task(seed_scratch.git, out.reporter, "Task 2")
    head = seed_scratch.commit_file(
        "ml_playground/training/ema.py", "EMA = 1\n", "refactor(training): move ema into training"
    )

    outcome = open_pull_request(
        seed_scratch.git, out.reporter, passing_gate, None, TODAY, number=12
    )

    assert outcome.number == 12
    assert outcome.draft.title == "refactor(training): move ema into training"
    assert (
        "'Fold loose modules into their packages' is free-form (no id line); "
        "PR #12 not recorded." in out.out
    )
    assert seed_scratch.rev("HEAD") == head


def test_number_for_an_unlinked_branch_is_returned_without_a_ledger_edit(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    head = seed_scratch.commit_file("note.md", "note\n", "docs: add an unplanned note")

    outcome = open_pull_request(seed_scratch.git, out.reporter, passing_gate, None, TODAY, number=5)

    assert outcome.number == 5
    assert "(no ledger entry is linked to this branch)" in outcome.draft.body
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.origin_rev("refs/heads/docs/unplanned-note") == head
