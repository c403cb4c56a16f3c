"""The git runner, the workflow state files under .git/, and the branch-to-entry lookup."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.ledger.store import entry_for_branch, load_ledger, staged_bookkeeping
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import (
    STATE_DIRECTORY,
    BranchTask,
    Operation,
    branch_task,
    changed_files,
    forget_branch_task,
    load_operation,
    remember_branch_task,
    save_operation,
)

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch

pytestmark = pytest.mark.integration


def test_discover_finds_the_top_level_from_a_subdirectory(seed_scratch: Scratch) -> None:
    nested = seed_scratch.root / ".ldres"

    found = Git.discover(nested, seed_scratch.env)

    assert found.root == seed_scratch.root
    assert found.env["GIT_CONFIG_NOSYSTEM"] == "1"


def test_discover_outside_a_repository_is_a_usage_error(
    seed_scratch: Scratch, tmp_path: Path
) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    env = {**seed_scratch.env, "GIT_CEILING_DIRECTORIES": str(tmp_path)}

    with pytest.raises(WorkflowError) as caught:
        Git.discover(outside, env)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        f"{outside}: not inside a git work tree (run the task from the repository)"
    )


def test_failing_checked_command_is_an_external_error(seed_scratch: Scratch) -> None:
    with pytest.raises(WorkflowError) as caught:
        seed_scratch.git.run("rev-parse", "--verify", "--quiet", "no-such-branch")

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message == (
        "git rev-parse --verify --quiet no-such-branch failed: exit status 1"
    )


def test_config_reads_set_keys_and_none_for_missing_ones(seed_scratch: Scratch) -> None:
    seed_scratch.clone_git("config", "workflow.test-key", "some value")

    assert seed_scratch.git.config("workflow.test-key") == "some value"
    assert seed_scratch.git.config("workflow.missing-key") is None


def test_renamed_file_is_listed_once_under_its_new_name(seed_scratch: Scratch) -> None:
    seed_scratch.clone_git("mv", "README.md", "READ-ME.md")
    seed_scratch.write(".ldres/tv-tasks.md", "edited\n")

    assert changed_files(seed_scratch.git) == [".ldres/tv-tasks.md", "READ-ME.md"]


def test_damaged_branch_records_read_as_unknown(seed_scratch: Scratch) -> None:
    state = seed_scratch.root / ".git" / STATE_DIRECTORY
    state.mkdir()
    (state / "branch-tasks.json").write_text(
        json.dumps(
            {
                "docs/no-title": {"task_id": "tv-2025-10-04:PR??"},
                "docs/not-a-record": "docs",
                "docs/odd-id": {"task_id": 7, "title": "Make PEP 420 the import policy"},
            }
        ),
        encoding="utf-8",
    )

    assert branch_task(seed_scratch.git, "docs/no-title") is None
    assert branch_task(seed_scratch.git, "docs/not-a-record") is None
    assert branch_task(seed_scratch.git, "docs/odd-id") == BranchTask(
        "docs/odd-id", None, "Make PEP 420 the import policy"
    )


def test_state_records_are_written_like_any_new_file_and_leave_no_temp(
    seed_scratch: Scratch,
) -> None:
    """The records go through ml_playground.core.atomic_files: fsynced, with the permissions
    open() gives a new file (not mkstemp's 0600), and no temp file left when the rename fails."""
    state = seed_scratch.root / ".git" / STATE_DIRECTORY
    operation = Operation("sync", "docs/a-b", "rebase", "1" * 40, "2" * 40)
    umask = os.umask(0o022)
    try:
        save_operation(seed_scratch.git, operation)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((state / "operation.json").stat().st_mode) == 0o644
    assert load_operation(seed_scratch.git) == operation
    (state / "branch-tasks.json").mkdir()

    with pytest.raises(IsADirectoryError):
        remember_branch_task(seed_scratch.git, BranchTask("docs/a-b", None, "A b"))

    assert sorted(path.name for path in state.iterdir()) == ["branch-tasks.json", "operation.json"]


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe"], ids=["json", "utf-8"])
def test_a_damaged_operation_record_is_one_clear_error(
    seed_scratch: Scratch, damage: bytes
) -> None:
    record = seed_scratch.root / ".git" / STATE_DIRECTORY / "operation.json"
    record.parent.mkdir()
    record.write_bytes(damage)

    with pytest.raises(WorkflowError) as caught:
        load_operation(seed_scratch.git)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message.startswith(f"{record}: not a JSON record of the workflow (")
    assert caught.value.message.endswith("); move it aside if no sync or ship is pending")


def test_forgetting_an_unknown_branch_writes_nothing(seed_scratch: Scratch) -> None:
    records = seed_scratch.root / ".git" / STATE_DIRECTORY / "branch-tasks.json"

    forget_branch_task(seed_scratch.git, "docs/never-started")
    assert not records.exists()

    remember_branch_task(seed_scratch.git, BranchTask("docs/a-b", None, "A b"))
    before = records.read_bytes()
    forget_branch_task(seed_scratch.git, "docs/never-started")
    assert records.read_bytes() == before
    forget_branch_task(seed_scratch.git, "docs/a-b")
    assert json.loads(records.read_text(encoding="utf-8")) == {}


def test_branch_whose_remembered_title_is_gone_falls_back_to_the_plan(
    seed_scratch: Scratch,
) -> None:
    ledger = load_ledger(seed_scratch.root).ledger
    remember_branch_task(
        seed_scratch.git,
        BranchTask("docs/import-policy-pep420", "tv-2025-10-04:PR??", "An old title"),
    )
    remember_branch_task(
        seed_scratch.git, BranchTask("docs/unplanned-note", None, "Nothing like it")
    )

    found = entry_for_branch(seed_scratch.git, ledger, "docs/import-policy-pep420")

    assert found is not None
    assert found.title == "Make PEP 420 the import policy"
    assert entry_for_branch(seed_scratch.git, ledger, "docs/unplanned-note") is None


def test_a_commit_was_on_a_branch_when_its_reflog_reaches_it(seed_scratch: Scratch) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/kept")
    first = seed_scratch.commit_file("a.txt", "a\n", "docs: add a")
    seed_scratch.clone_git("reset", "--quiet", "--keep", "HEAD~1")
    other = seed_scratch.commit_file("b.txt", "b\n", "docs: add b")
    seed_scratch.clone_git("config", "core.logAllRefUpdates", "false")
    seed_scratch.clone_git("branch", "--quiet", "docs/no-log", other)

    assert seed_scratch.git.was_on_branch("docs/kept", first) is True
    assert seed_scratch.git.was_on_branch("docs/kept", other) is True
    assert seed_scratch.git.was_on_branch("main", first) is False
    assert seed_scratch.git.was_on_branch("docs/no-log", other) is False


def test_a_ledger_that_head_does_not_have_yet_is_no_bookkeeping(seed_scratch: Scratch) -> None:
    ledger = seed_scratch.root / ".ldres" / "tv-tasks.md"
    text = ledger.read_text(encoding="utf-8")
    seed_scratch.clone_git("rm", "--quiet", ".ldres/tv-tasks.md")
    seed_scratch.clone_git("commit", "--quiet", "-m", "docs: drop the ledger")
    seed_scratch.stage(".ldres/tv-tasks.md", text.replace("### Open", "### Done", 1))

    assert staged_bookkeeping(seed_scratch.git) is False
