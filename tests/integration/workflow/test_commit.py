"""invoke commit: message and size checks, the quality gate, and an untouched index on failure."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.commands.start_task import start_task
from tools.workflow.ledger.store import commit_ledger_edit, load_ledger, with_status

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

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


def test_no_message_on_an_unlinked_branch_is_a_usage_error(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    seed_scratch.stage("note.md", "note\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, None, None, passing_gate, lambda _: True)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "no message given and the ledger plans no further commit for 'docs/unplanned-note' "
        "(pass -m 'type(scope): subject')"
    )


def test_no_message_after_every_planned_commit_is_a_usage_error(
    clean_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    start_task(clean_scratch.git, out.reporter, "tv-2025-11-02")
    clean_scratch.stage("tools/bench_tokenizer.py", "TIMES = 3\n")
    commit_staged(
        clean_scratch.git,
        out.reporter,
        "perf(tokenizer): add a timing benchmark",
        None,
        passing_gate,
    )
    clean_scratch.stage("tools/bench_tokenizer.py", "TIMES = 5\n")
    head = clean_scratch.rev("HEAD")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(clean_scratch.git, out.reporter, None, None, passing_gate, lambda _: True)

    assert caught.value.message.startswith(
        "no message given and the ledger plans no further commit for 'perf/tokenizer-benchmark'"
    )
    assert clean_scratch.rev("HEAD") == head


def test_allow_large_without_a_reason_is_a_usage_error(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", seed_scratch.numbered_lines(300))

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, " \n\t", passing_gate)

    assert caught.value.code == ExitCode.USAGE
    assert caught.value.message == (
        "--allow-large needs a reason, e.g. --allow-large 'vendored schema'"
    )
    assert seed_scratch.rev("HEAD") == head


def test_commit_rejected_by_a_hook_keeps_the_index(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    head = _on_task_branch(seed_scratch, out)
    seed_scratch.stage("docs/imports.md", "small\n")
    tree = seed_scratch.index_tree()
    seed_scratch.install_hook("commit-msg", "#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == "git commit failed: rejected by policy"
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.index_tree() == tree


def test_unborn_branch_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "--orphan", "docs/fresh-start")
    seed_scratch.stage("note.md", "note\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        "refusing to commit: branch 'docs/fresh-start' has no commits yet"
    )
    assert seed_scratch.rev("HEAD") is None


def test_failed_ledger_commit_restores_the_file_and_the_index(
    seed_scratch: Scratch, out: Captured
) -> None:
    head = seed_scratch.rev("HEAD")
    seed_scratch.stage("notes.txt", "staged before\n")
    tree = seed_scratch.index_tree()
    loaded = load_ledger(seed_scratch.root)
    entry = loaded.ledger.entries[0]
    seed_scratch.install_hook("pre-commit", "#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")

    with pytest.raises(WorkflowError) as caught:
        commit_ledger_edit(
            seed_scratch.git,
            loaded,
            with_status(loaded.data, entry, "In progress"),
            "chore(ledger): start make pep 420 the import policy",
        )

    assert caught.value.code == ExitCode.EXTERNAL
    assert caught.value.message.endswith("failed: no commits today")
    assert (seed_scratch.root / ".ldres" / "tv-tasks.md").read_bytes() == loaded.data
    assert seed_scratch.index_tree() == tree
    assert seed_scratch.rev("HEAD") == head


def test_a_message_with_several_problems_names_the_first_and_lists_the_others(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/several-problems")
    seed_scratch.stage("docs/imports.md", "small\n")

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, "docs:  Added things.", None, passing_gate)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == (
        "commit message rejected: put exactly one space after the colon"
    )
    assert caught.value.details == (
        "do not end the subject with a period",
        "start the subject with an imperative verb ('fix', 'add'), not 'Added'",
    )


def test_a_message_with_a_body_is_reported_by_its_header(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/with-body")
    seed_scratch.stage("docs/imports.md", "small\n")

    sha = commit_staged(
        seed_scratch.git, out.reporter, f"{VALID}\n\nWhy it is so.\n", None, passing_gate
    )

    assert out.out.endswith(f"Committed {sha[:10]} (1 touched lines): {VALID}\n")


def test_files_a_commit_hook_stages_stay_committed_and_staged(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/hook-adds")
    seed_scratch.stage("docs/imports.md", "small\n")
    seed_scratch.install_hook(
        "pre-commit", "#!/bin/sh\necho generated > docs/generated.md\ngit add docs/generated.md\n"
    )

    sha = commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert seed_scratch.clone_git("show", "--format=", "--name-only", sha).split() == [
        "docs/generated.md",
        "docs/imports.md",
    ]
    assert seed_scratch.clone_git("status", "--porcelain") == ""


def test_a_small_commit_gets_no_large_change_trailer(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/small")
    seed_scratch.stage("a.txt", "a\n")

    commit_staged(seed_scratch.git, out.reporter, VALID, None, passing_gate)

    assert seed_scratch.clone_git("log", "-1", "--format=%B") == VALID


def test_a_gate_that_stages_a_file_is_refused_and_the_index_restored(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/small")
    seed_scratch.stage("a.txt", "a\n")
    seed_scratch.write("README.md", "reformatted by the gate\n")
    tree = seed_scratch.index_tree()

    with pytest.raises(WorkflowError) as caught:
        commit_staged(seed_scratch.git, out.reporter, VALID, None, ["git", "add", "README.md"])

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert seed_scratch.index_tree() == tree
