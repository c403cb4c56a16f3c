"""The GitHub boundary: remotes, compare URLs, gh command lines, PR title and body."""

from __future__ import annotations

import dataclasses
import datetime
import io
from pathlib import Path

import pytest

from tools.process import Completed
from tools.workflow.cli import Reporter
from tools.workflow.commands.pr import PullRequestOutcome, pr_body, pr_title, record_pr_number
from tools.workflow.ledger.parse import parse_ledger, parse_ledger_bytes
from tools.workflow.ledger.store import LoadedLedger
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import (
    GitHubRepository,
    PullRequestDraft,
    compare_url,
    gh_checks_command,
    gh_create_command,
    gh_ready_command,
    gh_view_command,
    github_repository,
    pr_number_from_output,
    reports_no_pull_request,
)

pytestmark = pytest.mark.unit

ENTRY_TEXT = (
    "### In progress · tv-2025-10-04:PR?? · Make the policy\n\n"
    "- **Summary**: Write the policy\n  down.\n"
    "- **Validation**: `make quality`; `pytest -q`.\n"
    "- **PR**: Title `docs: make the policy`.\n"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/playground.git",
        "https://github.com/acme/playground",
        "https://token@github.com/acme/playground.git",
        "git@github.com:acme/playground.git",
        "ssh://git@github.com/acme/playground.git",
    ],
)
def test_github_remotes_are_recognised(url: str) -> None:
    assert github_repository(url) == GitHubRepository("acme", "playground")


@pytest.mark.parametrize(
    "url", ["/srv/git/origin.git", "../origin.git", "https://gitlab.com/acme/playground.git"]
)
def test_other_remotes_are_not_github(url: str) -> None:
    assert github_repository(url) is None


def test_compare_url_and_pr_number() -> None:
    repository = GitHubRepository("acme", "playground")

    assert compare_url(repository, "main", "docs/a-b") == (
        "https://github.com/acme/playground/compare/main...docs/a-b?expand=1"
    )
    assert pr_number_from_output("https://github.com/acme/playground/pull/128\n") == 128
    assert pr_number_from_output("no url") is None


def test_gh_command_lines() -> None:
    draft = PullRequestDraft("main", "docs/a-b", "docs: add b", "## Summary\n", draft=True)

    assert gh_create_command("/usr/bin/gh", draft) == [
        "/usr/bin/gh",
        "pr",
        "create",
        "--base",
        "main",
        "--head",
        "docs/a-b",
        "--title",
        "docs: add b",
        "--body",
        "## Summary\n",
        "--draft",
    ]
    ready = PullRequestDraft("main", "docs/a-b", "t", "b", draft=False)
    assert "--draft" not in gh_create_command("gh", ready)
    assert gh_view_command("gh", "docs/a-b") == [
        "gh",
        "pr",
        "view",
        "docs/a-b",
        "--json",
        "number",
        "--jq",
        ".number",
    ]
    assert gh_ready_command("gh", 7) == ["gh", "pr", "ready", "7"]
    assert gh_checks_command("gh", "docs/a-b") == ["gh", "pr", "checks", "docs/a-b"]


def test_pr_title_prefers_the_ledger_suggestion() -> None:
    entry = parse_ledger(ENTRY_TEXT).entries[0]

    assert pr_title(entry, ["docs(policy): write it", "docs(policy): link it"]) == (
        "docs: make the policy"
    )
    assert pr_title(None, ["docs(policy): write it"]) == "docs(policy): write it"


def test_pr_body_has_summary_testing_and_checklist() -> None:
    entry = parse_ledger(ENTRY_TEXT).entries[0]

    body = pr_body(entry, ["docs(policy): write it"], ["nox", "-s", "quality"])

    assert body.startswith("## Summary\n\nWrite the policy down.\n\n")
    assert "Ledger: `tv-2025-10-04:PR??` · Make the policy" in body
    assert "## Commits\n\n- docs(policy): write it\n" in body
    assert "## Testing\n\n- `make quality`\n- `pytest -q`\n" in body
    assert "## Checklist\n\n- [x] Conventional Commits" in body


def test_pr_body_without_entry_lists_the_gate() -> None:
    body = pr_body(None, ["fix: repair x"], ["nox", "-s", "quality"])

    assert "(no ledger entry is linked to this branch)" in body
    assert "## Testing\n\n- `nox -s quality`\n" in body


def test_only_a_missing_pr_counts_as_no_pr() -> None:
    missing = Completed(("gh",), 1, "", 'no pull requests found for branch "docs/a-b"\n')
    auth = Completed(("gh",), 4, "", "To get started with GitHub CLI, please run:  gh auth login\n")
    found = Completed(("gh",), 0, "12\n", "")

    assert reports_no_pull_request(missing) is True
    assert reports_no_pull_request(auth) is False
    assert reports_no_pull_request(found) is False


def test_pr_title_without_a_suggestion() -> None:
    entry = parse_ledger(
        "### Open · tv-2025-10-04:PR?? · Make the policy\n\n- **Summary**: Write it.\n"
    ).entries[0]

    assert pr_title(entry, ["docs(policy): write it", "docs(policy): link it"]) == (
        "Make the policy"
    )
    assert pr_title(entry, ["docs(policy): write it"]) == "docs(policy): write it"
    assert pr_title(None, []) == "Untitled change"


def test_a_pr_number_the_entry_already_carries_is_not_recorded_again(tmp_path: Path) -> None:
    text = "### In progress · tv-2025-10-04:PR41 · Make the policy\n\n- **Summary**: Write it.\n"
    data = text.encode("utf-8")
    loaded = LoadedLedger(tmp_path / "tv-tasks.md", data, parse_ledger_bytes(data))
    stream = io.StringIO()

    recorded = record_pr_number(
        Git(tmp_path, {}),
        Reporter(stream, io.StringIO()),
        loaded,
        loaded.ledger.entries[0],
        41,
        datetime.date(2025, 10, 9),
        "docs/make-the-policy",
    )

    assert recorded is False
    assert stream.getvalue() == ""
    assert not (tmp_path / "tv-tasks.md").exists()


def test_a_pull_request_outcome_cannot_be_changed() -> None:
    entry = parse_ledger(ENTRY_TEXT).entries[0]
    draft = PullRequestDraft("main", "docs/a-b", pr_title(entry, []), "body\n", True)
    outcome = PullRequestOutcome(12, draft)

    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.number = 13  # pyright: ignore[reportAttributeAccessIssue]
    assert hash(outcome) == hash(PullRequestOutcome(12, draft))
