"""The plain data of tools/workflow/repo/remote.py: a pull request draft is a value."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.repo.remote import PullRequestDraft, gh_create_command

pytestmark = pytest.mark.unit


def test_a_pull_request_draft_is_an_immutable_value() -> None:
    draft = PullRequestDraft("main", "docs/a-b", "docs: add b", "## Summary\n", draft=True)

    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.draft = False  # type: ignore[misc]
    assert {draft, PullRequestDraft("main", "docs/a-b", "docs: add b", "## Summary\n", True)} == {
        draft
    }
    assert gh_create_command("gh", draft)[-1] == "--draft"
