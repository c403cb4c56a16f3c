"""invoke ship (and continue/abort of a ship) against a local bare origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.workflow.commit_flow import commit_staged
from tools.workflow.errors import ExitCode, WorkflowError
from tools.workflow.resume import abort_operation, continue_operation
from tools.workflow.ship import ship
from tools.workflow.start_task import start_task
from tools.workflow.state import branch_task, load_operation

if TYPE_CHECKING:
    from tests.integration.workflow.conftest import Captured, Scratch

pytestmark = pytest.mark.integration

BRANCH = "docs/import-policy-pep420"


def _branch_with_work(scratch: Scratch, out: Captured, gate: list[str]) -> str:
    start_task(scratch.git, out.reporter, "tv-2025-10-04")
    scratch.stage("docs/imports.md", scratch.numbered_lines(20))
    return commit_staged(
        scratch.git,
        out.reporter,
        "docs(imports): describe the namespace package policy",
        None,
        gate,
    )


def _reject_pushes(scratch: Scratch) -> None:
    hook = scratch.origin / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'origin is read-only today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)


def test_ship_fast_forwards_origin_main_and_deletes_the_branch(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("push", "--quiet", "--set-upstream", "origin", BRANCH)
    old_main = seed_scratch.origin_rev("refs/heads/main")

    ship(seed_scratch.git, out.reporter, gh=None)

    new_main = seed_scratch.origin_rev("refs/heads/main")
    assert new_main is not None
    assert seed_scratch.clone_git("rev-parse", f"{new_main}~1") == work
    assert seed_scratch.clone_git("merge-base", "--is-ancestor", str(old_main), new_main) == ""
    assert seed_scratch.clone_git("rev-list", "--merges", "--count", new_main) == "0"
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.rev("main") == new_main
    assert "### Done · tv-2025-10-04:PR?? · Make PEP 420 the import policy" in (
        seed_scratch.ledger_text()
    )
    assert seed_scratch.clone_git("log", "-1", "--format=%s", new_main) == (
        "chore(ledger): complete make pep 420 the import policy"
    )
    assert load_operation(seed_scratch.git) is None
    assert branch_task(seed_scratch.git, BRANCH) is None
    assert "Shipped docs/import-policy-pep420." in out.out


def test_ship_refuses_a_branch_behind_main(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.upstream_commit("other.txt", "other\n", "docs: add another note")

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.REFUSED
    assert "run invoke sync first" in caught.value.message
    assert seed_scratch.rev("HEAD") == work
    assert seed_scratch.git.current_branch() == BRANCH


def test_ship_refuses_invalid_commits(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "tv-2025-10-04")
    seed_scratch.commit_file("docs/imports.md", "x\n", "Fixed stuff")
    head = seed_scratch.rev("HEAD")

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert "1 commit(s) on 'docs/import-policy-pep420' break the rules" in caught.value.message
    assert "FAIL" in out.out
    assert seed_scratch.rev("HEAD") == head
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None


def test_ship_refuses_a_merge_commit(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("switch", "--quiet", "-c", "side", "main")
    seed_scratch.commit_file("side.txt", "side\n", "docs: add a side note")
    seed_scratch.clone_git("switch", "--quiet", BRANCH)
    seed_scratch.clone_git("merge", "--quiet", "--no-ff", "-m", "chore: merge side", "side")

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert "merge commit: history must stay linear" in out.out


def test_ship_on_main_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.REFUSED
    assert "refusing to ship on 'main'" in caught.value.message


def test_rejected_push_stops_and_abort_restores_main(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    main_before = seed_scratch.rev("main")
    _reject_pushes(seed_scratch)

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.STOPPED
    assert "pushing main to origin failed" in caught.value.message
    operation = load_operation(seed_scratch.git)
    assert operation is not None
    assert operation.step == "push-main"
    done_head = seed_scratch.rev(BRANCH)
    assert seed_scratch.rev("main") == done_head

    abort_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.rev("main") == main_before
    assert seed_scratch.git.current_branch() == BRANCH
    assert seed_scratch.rev(BRANCH) == done_head
    assert load_operation(seed_scratch.git) is None
    assert seed_scratch.origin_rev("refs/heads/main") == main_before


def test_continue_finishes_a_ship_after_the_push_works_again(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    _reject_pushes(seed_scratch)
    with pytest.raises(WorkflowError):
        ship(seed_scratch.git, out.reporter, gh=None)
    (seed_scratch.origin / "hooks" / "pre-receive").unlink()
    shipped_head = seed_scratch.rev(BRANCH)

    continue_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.origin_rev("refs/heads/main") == shipped_head
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert load_operation(seed_scratch.git) is None


def test_abort_after_main_was_pushed_is_refused(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("push", "--quiet", "origin", BRANCH)
    hook = seed_scratch.origin / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  [ "$new" = "0000000000000000000000000000000000000000" ] && exit 1\n'
        "done\nexit 0\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)
    with pytest.raises(WorkflowError) as stopped:
        ship(seed_scratch.git, out.reporter, gh=None)
    assert "deleting origin/docs/import-policy-pep420 failed" in stopped.value.message

    with pytest.raises(WorkflowError) as caught:
        abort_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert "main was already pushed" in caught.value.message
    assert seed_scratch.origin_rev("refs/heads/main") == seed_scratch.rev("main")


def test_ship_without_remote_updates_main_locally(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("remote", "remove", "origin")

    ship(seed_scratch.git, out.reporter, gh=None)

    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert "main was updated locally only" in out.err
