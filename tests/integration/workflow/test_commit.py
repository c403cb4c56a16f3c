"""invoke commit: message and size checks, the quality gate, and an untouched index on failure."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from tools.workflow.commit_flow import commit_staged
from tools.workflow.errors import ExitCode, WorkflowError
from tools.workflow.start_task import start_task

if TYPE_CHECKING:
    from tests.integration.workflow.conftest import Captured, Scratch

pytestmark = pytest.mark.integration

VALID = "docs(imports): describe the namespace package policy"


def _on_task_branch(scratch: Scratch, out: Captured) -> str:
    start_task(scratch.git, out.reporter, "tv-2025-10-04")
    return scratch.clone_git("rev-parse", "HEAD")


def test_valid_small_change_is_committed_after_the_gate(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    before = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(40))

    sha = commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert seed_scratch.clone_git("rev-parse", "HEAD") == sha
    assert seed_scratch.clone_git("rev-parse", "HEAD~1") == before
    assert seed_scratch.clone_git("log", "-1", "--format=%B") == VALID
    assert seed_scratch.clone_git("status", "--porcelain") == ""
    assert f"Quality gate: {' '.join(passing_gate)}" in out.out
    assert "(40 touched lines)" in out.out


def test_three_hundred_lines_are_refused_and_the_index_kept(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(300))
    tree = seed_scratch.index_tree()

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message.startswith(
        "staged change touches 300 lines, over the 200-line budget"
    )
    assert "  300  docs/imports.md" in caught.value.details
    assert seed_scratch.clone_git("rev-parse", "HEAD") == head
    assert seed_scratch.index_tree() == tree
    assert "Quality gate" not in out.out


def test_message_fixed_stuff_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "small\n")
    tree = seed_scratch.index_tree()

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, "Fixed stuff", None, passing_gate)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert "header 'Fixed stuff' is not a Conventional Commit" in caught.value.message
    assert seed_scratch.clone_git("rev-parse", "HEAD") == head
    assert seed_scratch.index_tree() == tree


def test_failing_gate_commits_nothing(
    seed_scratch: Scratch, out: Captured, failing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "small\n")
    tree = seed_scratch.index_tree()

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, failing_gate)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert "failed with exit status 3" in caught.value.message
    assert seed_scratch.clone_git("rev-parse", "HEAD") == head
    assert seed_scratch.index_tree() == tree


def test_gate_that_changes_the_index_is_refused_and_the_index_restored(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "small\n")
    seed_scratch.write("README.md", "reformatted by the gate\n")
    tree = seed_scratch.index_tree()
    meddling_gate = [
        sys.executable,
        "-c",
        "import subprocess; subprocess.run(['git', 'add', 'README.md'], check=True)",
    ]

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, meddling_gate)

    assert "the quality gate changed the staged content" in caught.value.message
    assert seed_scratch.clone_git("rev-parse", "HEAD") == head
    assert seed_scratch.index_tree() == tree
    assert (seed_scratch.root / "README.md").read_text(encoding="utf-8") == (
        "reformatted by the gate\n"
    )


def test_allow_large_records_the_reason_as_a_trailer(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(300))

    commit_staged(
        seed_scratch.git, out.reporter, VALID, "generated   table\nof imports", passing_gate
    )

    message = seed_scratch.clone_git("log", "-1", "--format=%B")
    assert message == f"{VALID}\n\nLarge-change-reason: generated table of imports"


def test_lock_files_do_not_count(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _on_task_branch(seed_scratch, out)
    seed_scratch.stage("uv.lock", seed_scratch.numbered_lines(500))
    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(10))

    commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert "(10 touched lines)" in out.out


def test_planned_message_is_used_after_confirmation(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "first\n")
    offered: list[str] = []

    def confirm(message: str) -> bool:
        offered.append(message)
        return True

    commit_staged(seed_scratch.git, out.reporter, None, None, passing_gate, confirm)
    seed_scratch.stage("docs/dev.md", "second\n")
    commit_staged(seed_scratch.git, out.reporter, None, None, passing_gate, confirm)

    assert offered == [
        "docs(imports): describe the namespace package policy",
        "docs(standards): link the import guide",
    ]
    subjects = seed_scratch.clone_git("log", "-2", "--format=%s").splitlines()
    assert subjects == list(reversed(offered))


def test_planned_message_without_confirmation_prints_the_command(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "first\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, None, None, passing_gate, None)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "next planned message: 'docs(imports): describe the namespace package policy'; to use "
        "it run: invoke commit -m 'docs(imports): describe the namespace package policy'"
    )
    assert seed_scratch.clone_git("rev-parse", "HEAD") == head


def test_commit_on_main_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.stage("docs/imports.md", "small\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert caught.value.code == ExitCode.REFUSED
    assert "refusing to commit on 'main'" in caught.value.message


def test_nothing_staged_is_a_usage_error(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _on_task_branch(seed_scratch, out)

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert caught.value.code == ExitCode.USAGE
    assert "nothing is staged" in caught.value.message
