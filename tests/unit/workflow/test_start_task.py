"""The small parts of start-task: reading --pick, naming what landed a Done entry, the result."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.workflow.scratch import isolated_env
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.start_task import StartedTask, landed_by, parse_pick
from tools.workflow.ledger.model import LedgerEntry
from tools.workflow.ledger.parse import parse_ledger
from tools.workflow.repo.git import Git

pytestmark = pytest.mark.unit

DONE_ENTRY = "### Done · tv-2025-10-04:PR7 · Tidy the docs\n\n- **Summary**: Tidied.\n"
LEDGER = Path(".ldres") / "tv-tasks.md"


@pytest.mark.parametrize(("text", "expected"), [("", None), ("1", 1), ("2", 2), ("12", 12)])
def test_a_pick_is_nothing_or_a_candidate_number_from_one(text: str, expected: int | None) -> None:
    assert parse_pick(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "x", "1.5", "\u0661"])
def test_a_pick_that_is_no_candidate_number_is_a_usage_error(text: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        parse_pick(text)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"--pick {text!r}: expected the number of a candidate in the list start-task prints "
        "(1, 2, ...)"
    )


def test_a_started_task_is_a_value_usable_as_a_set_member() -> None:
    started = {
        StartedTask("Tidy the docs", "docs/tidy", created=True, marked_in_progress=True),
        StartedTask("Tidy the docs", "docs/tidy", created=True, marked_in_progress=True),
    }

    assert len(started) == 1


def done_entry(text: str = DONE_ENTRY) -> LedgerEntry:
    return parse_ledger(f"# Ledger\n\n{text}").entries[0]


class Repository:
    """A repository in ``root`` driven with an isolated git configuration."""

    def __init__(self, root: Path) -> None:
        root.mkdir()
        self.root = root
        self.env = isolated_env(root.parent / "home")
        self.git_call("init", "--quiet")
        self.git = Git(root, self.env)

    def git_call(self, *args: str) -> str:
        completed = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return completed.stdout.strip()

    def commit_ledger(self, text: str, message: str) -> str:
        path = self.root / LEDGER
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"# Ledger\n\n{text}", encoding="utf-8")
        self.git_call("add", "--", LEDGER.as_posix())
        self.git_call("commit", "--quiet", "-m", message)
        return self.git_call("log", "-1", "--format=%h %s")


def test_a_recorded_landing_is_named_without_its_final_full_stop(tmp_path: Path) -> None:
    entry = done_entry(DONE_ENTRY + "- **Landed**: PR #7 (abc1234).\n")

    assert landed_by(Repository(tmp_path / "repo").git, entry) == "landed by PR #7 (abc1234)"


def test_a_done_entry_in_a_repository_without_commits_names_only_its_pr(tmp_path: Path) -> None:
    repository = Repository(tmp_path / "repo")

    assert landed_by(repository.git, done_entry()) == "marked Done (PR #7)"


def test_the_commit_that_first_carried_the_done_heading_is_named(tmp_path: Path) -> None:
    repository = Repository(tmp_path / "repo")
    first = repository.commit_ledger(DONE_ENTRY, "chore(ledger): complete tidy the docs")
    repository.commit_ledger("", "docs(ledger): drop the entry")
    repository.commit_ledger(DONE_ENTRY, "docs(ledger): restore the entry")

    assert landed_by(repository.git, done_entry()) == f"marked Done by {first} (PR #7)"
