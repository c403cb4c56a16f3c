"""invoke ship (and continue/abort of a ship) against a local bare origin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.commands.commit import commit_staged
from tools.workflow.commands.resume import abort_operation, continue_operation
from tools.workflow.commands.ship import (
    abort_ship,
    check_ci,
    mark_done,
    require_pushed_as_is,
    run_ship_steps,
    ship,
)
from tools.workflow.commands.start_task import start_task
from tools.workflow.repo.state import Operation, branch_task, load_operation, save_operation

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import FakeGh, GhAnswer, Scratch
    from tests.integration.workflow.conftest import Captured

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


def _pushed_branch_after_an_aborted_ship(scratch: Scratch, out: Captured, gate: list[str]) -> None:
    """Work pushed to origin; a ship stopped by a rejected push, aborted; pushes work again."""
    _branch_with_work(scratch, out, gate)
    scratch.clone_git("push", "--quiet", "--set-upstream", "origin", BRANCH)
    _reject_pushes(scratch)
    with pytest.raises(WorkflowError):
        ship(scratch.git, out.reporter, gh=None)
    abort_operation(scratch.git, out.reporter)
    (scratch.origin / "hooks" / "pre-receive").unlink()


def test_a_pushed_branch_ships_again_after_an_aborted_ship(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    """The Done commit the aborted ship left on the branch is bookkeeping, not unpushed work."""
    _pushed_branch_after_an_aborted_ship(seed_scratch, out, passing_gate)
    done_head = seed_scratch.rev(BRANCH)

    ship(seed_scratch.git, out.reporter, gh=None)

    assert seed_scratch.origin_rev("refs/heads/main") == done_head
    assert seed_scratch.origin_rev(f"refs/heads/{BRANCH}") is None


def test_ship_still_refuses_work_committed_after_an_aborted_ship(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _pushed_branch_after_an_aborted_ship(seed_scratch, out, passing_gate)
    seed_scratch.stage("docs/late.md", "late\n")
    late = commit_staged(
        seed_scratch.git, out.reporter, "docs(imports): add a late note", None, passing_gate
    )
    main_before = seed_scratch.origin_rev("refs/heads/main")

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.REFUSED
    assert "differ (not pushed: " in caught.value.message
    assert f"{late[:7]} docs(imports): add a late note" in caught.value.message
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


def test_continue_from_a_third_branch_deletes_the_shipped_branch(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    """git's own ``branch -d`` judges "merged" against HEAD; main is what counts."""
    base = seed_scratch.rev("main")
    _branch_with_work(seed_scratch, out, passing_gate)
    _reject_pushes(seed_scratch)
    with pytest.raises(WorkflowError):
        ship(seed_scratch.git, out.reporter, gh=None)
    (seed_scratch.origin / "hooks" / "pre-receive").unlink()
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/elsewhere-other", str(base))

    continue_operation(seed_scratch.git, out.reporter)

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


def test_abort_refuses_while_origin_cannot_be_read(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    """Without reading origin nobody knows whether the push landed: nothing is undone."""
    _branch_with_work(seed_scratch, out, passing_gate)
    _reject_pushes(seed_scratch)
    with pytest.raises(WorkflowError):
        ship(seed_scratch.git, out.reporter, gh=None)
    shipped = seed_scratch.rev("main")
    seed_scratch.clone_git("remote", "set-url", "origin", "../gone.git")

    with pytest.raises(WorkflowError) as caught:
        abort_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message.startswith(
        "cannot abort the ship: cannot read origin to see what landed there ("
    )
    assert caught.value.message.endswith("); retry once it is reachable")
    assert seed_scratch.rev("main") == shipped
    assert load_operation(seed_scratch.git) is not None


def test_ship_without_remote_updates_main_locally(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.clone_git("remote", "remove", "origin")

    ship(seed_scratch.git, out.reporter, gh=None)

    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert "main was updated locally only" in out.err


def _ship_operation(scratch: Scratch, step: str, main_before: str) -> None:
    """The record a ship leaves when it stops (or is killed) during ``step``."""
    operation = Operation("ship", BRANCH, step, str(scratch.rev(BRANCH)), main_before)
    save_operation(scratch.git, operation)


def test_check_ci_without_gh_on_a_github_remote_refuses(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.use_github_remote()

    with pytest.raises(WorkflowError) as caught:
        check_ci(seed_scratch.git, out.reporter, None, BRANCH, "origin")

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == (
        f"cannot confirm CI for {BRANCH}: 'origin' is on GitHub but gh is not installed "
        "(install gh, or land the PR through GitHub with rebase-merge)"
    )


def test_check_ci_passes_when_the_branch_has_no_pull_request(
    seed_scratch: Scratch, out: Captured, fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh]
) -> None:
    seed_scratch.use_github_remote()
    gh = fake_gh({"view": (1, "", f'no pull requests found for branch "{BRANCH}"\n')})

    check_ci(seed_scratch.git, out.reporter, gh.command, BRANCH, "origin")

    assert out.out == f"No pull request for {BRANCH}: no CI status to check.\n"
    assert gh.calls() == [["pr", "view", BRANCH, "--json", "number", "--jq", ".number"]]


def test_check_ci_refuses_when_gh_cannot_view_the_pull_request(
    seed_scratch: Scratch, out: Captured, fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh]
) -> None:
    seed_scratch.use_github_remote()
    gh = fake_gh({"view": (4, "", "To get started with GitHub CLI, please run:  gh auth login\n")})

    with pytest.raises(WorkflowError) as caught:
        check_ci(seed_scratch.git, out.reporter, gh.command, BRANCH, "origin")

    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == (
        f"cannot confirm CI for {BRANCH}: gh pr view: "
        "To get started with GitHub CLI, please run:  gh auth login"
    )


def test_check_ci_reports_green_and_red_checks(
    seed_scratch: Scratch, out: Captured, fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh]
) -> None:
    seed_scratch.use_github_remote()
    green = fake_gh({"view": (0, "17\n", ""), "checks": (0, "tests\tpass\n", "")})
    red = fake_gh({"view": (0, "17\n", ""), "checks": (8, "tests\tpending\n", "")})

    check_ci(seed_scratch.git, out.reporter, green.command, BRANCH, "origin")
    with pytest.raises(WorkflowError) as caught:
        check_ci(seed_scratch.git, out.reporter, red.command, BRANCH, "origin")

    assert out.out == "CI is green for PR #17.\n"
    assert green.calls()[1] == ["pr", "checks", BRANCH]
    assert caught.value.code == ExitCode.CHECK_FAILED
    assert caught.value.message == "CI is not green for PR #17 (tests\tpending); wait or fix it"


def test_ship_with_red_ci_changes_nothing(
    seed_scratch: Scratch,
    out: Captured,
    passing_gate: list[str],
    fake_gh: Callable[[Mapping[str, GhAnswer]], FakeGh],
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    seed_scratch.use_github_remote()
    main_before = seed_scratch.rev("main")
    ledger_before = seed_scratch.ledger_text()
    gh = fake_gh({"view": (0, "17\n", ""), "checks": (1, "", "some checks failed\n")})

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=gh.command)

    assert caught.value.message == "CI is not green for PR #17 (some checks failed); wait or fix it"
    assert "could not fetch from 'origin'" in out.err
    assert seed_scratch.rev("HEAD") == work
    assert seed_scratch.rev("main") == main_before
    assert seed_scratch.origin_rev("refs/heads/main") == main_before
    assert seed_scratch.ledger_text() == ledger_before
    assert load_operation(seed_scratch.git) is None


def test_ship_of_a_branch_without_commits_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/empty-branch")

    with pytest.raises(WorkflowError) as caught:
        ship(seed_scratch.git, out.reporter, gh=None)

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        "refusing to ship: 'docs/empty-branch' has no commits ahead of main"
    )


def test_ship_of_an_unlinked_branch_marks_nothing_done(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/unplanned-note")
    work = seed_scratch.commit_file("note.md", "note\n", "docs: add an unplanned note")
    ledger_before = seed_scratch.ledger_text()

    ship(seed_scratch.git, out.reporter, gh=None)

    assert "warning: no ledger entry is linked to docs/unplanned-note; nothing marked Done" in (
        out.err
    )
    assert seed_scratch.origin_rev("refs/heads/main") == work
    assert seed_scratch.ledger_text() == ledger_before


def test_ship_of_a_free_form_task_marks_nothing_done(seed_scratch: Scratch, out: Captured) -> None:
    start_task(seed_scratch.git, out.reporter, "Task 2")
    work = seed_scratch.commit_file(
        "ml_playground/training/ema.py", "EMA = 1\n", "refactor(training): move ema into training"
    )

    ship(seed_scratch.git, out.reporter, gh=None)

    assert (
        "'Fold loose modules into their packages' is free-form (no status line); "
        "nothing marked Done." in out.out
    )
    assert seed_scratch.origin_rev("refs/heads/main") == work


def test_mark_done_leaves_a_done_entry_alone(clean_scratch: Scratch, out: Captured) -> None:
    clean_scratch.clone_git("switch", "--quiet", "-c", "feat/experiments-seed-configs")
    head = clean_scratch.rev("HEAD")

    mark_done(clean_scratch.git, out.reporter, "feat/experiments-seed-configs")

    assert clean_scratch.rev("HEAD") == head
    assert out.out == ""
    assert out.err == ""


def test_continue_after_a_stop_between_merge_and_push(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.clone_git("merge", "--quiet", "--ff-only", BRANCH)
    _ship_operation(seed_scratch, "merge", main_before)

    continue_operation(seed_scratch.git, out.reporter)

    assert f"Fast-forwarded main to {BRANCH} ({work[:10]})." in out.out
    assert seed_scratch.origin_rev("refs/heads/main") == work
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert load_operation(seed_scratch.git) is None


def test_merge_step_stops_when_main_moved_and_abort_leaves_it(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    _ship_operation(seed_scratch, "merge", main_before)
    seed_scratch.clone_git("switch", "--quiet", "main")
    moved = seed_scratch.commit_file("local.txt", "local\n", "docs: add a local note")

    with pytest.raises(WorkflowError) as stopped:
        continue_operation(seed_scratch.git, out.reporter)
    with pytest.raises(WorkflowError) as refused:
        abort_operation(seed_scratch.git, out.reporter)

    assert stopped.value.code == ExitCode.STOPPED
    assert stopped.value.message.startswith(f"cannot fast-forward main to {BRANCH}: ")
    assert stopped.value.details == (
        "invoke abort returns to the branch; then invoke sync and invoke ship",
    )
    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message == (
        "cannot abort: main moved since the ship started; left as it is"
    )
    assert seed_scratch.rev("main") == moved
    assert seed_scratch.rev(BRANCH) == work
    assert seed_scratch.origin_rev("refs/heads/main") == main_before
    assert load_operation(seed_scratch.git) is not None


def test_abort_before_the_merge_only_clears_the_record(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    _ship_operation(seed_scratch, "merge", main_before)

    abort_operation(seed_scratch.git, out.reporter)

    assert out.out.endswith(
        f"Ship aborted; main is back at {main_before[:10]} and you are on {BRANCH}.\n"
    )
    assert seed_scratch.git.current_branch() == BRANCH
    assert seed_scratch.rev("main") == main_before
    assert seed_scratch.rev("HEAD") == work
    assert load_operation(seed_scratch.git) is None


def test_delete_remote_step_stops_when_origin_is_unreachable(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.clone_git("merge", "--quiet", "--ff-only", BRANCH)
    _ship_operation(seed_scratch, "delete-remote", main_before)
    seed_scratch.clone_git("remote", "set-url", "origin", str(seed_scratch.base / "gone.git"))

    with pytest.raises(WorkflowError) as caught:
        continue_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.STOPPED
    assert caught.value.message.startswith(f"cannot reach origin to delete {BRANCH}: ")
    assert caught.value.details == ("retry with: invoke continue",)
    assert seed_scratch.rev(BRANCH) == work
    operation = load_operation(seed_scratch.git)
    assert operation is not None
    assert operation.step == "delete-remote"


def test_delete_local_step_switches_off_the_branch_first(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    seed_scratch.clone_git("push", "--quiet", "origin", f"{BRANCH}:main")
    seed_scratch.clone_git("fetch", "--quiet", ".", f"{BRANCH}:main")
    _ship_operation(seed_scratch, "delete-local", main_before)

    continue_operation(seed_scratch.git, out.reporter)

    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.rev("main") == work
    assert seed_scratch.rev(f"refs/heads/{BRANCH}") is None
    assert out.out.endswith(f"Deleted the local branch {BRANCH}.\nShipped {BRANCH}.\n")


def test_delete_local_step_keeps_a_branch_with_unshipped_commits(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    seed_scratch.clone_git("fetch", "--quiet", ".", f"{BRANCH}:main")
    _ship_operation(seed_scratch, "delete-local", main_before)
    extra = seed_scratch.commit_file("docs/more.md", "more\n", "docs(imports): add more")

    with pytest.raises(WorkflowError) as caught:
        continue_operation(seed_scratch.git, out.reporter)

    assert caught.value.code == ExitCode.STOPPED
    assert caught.value.message == (
        f"kept the local branch {BRANCH}: it holds 1 commit(s) that main does not "
        f"({extra[:7]} docs(imports): add more)"
    )
    assert caught.value.details == (
        "land or move them first; invoke continue then deletes the branch",
    )
    assert seed_scratch.rev(BRANCH) == extra
    assert seed_scratch.git.current_branch() == "main"


def test_continue_when_the_branch_is_already_gone_just_finishes(
    seed_scratch: Scratch, out: Captured, passing_gate: list[str]
) -> None:
    work = _branch_with_work(seed_scratch, out, passing_gate)
    main_before = str(seed_scratch.rev("main"))
    _ship_operation(seed_scratch, "delete-local", main_before)
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.clone_git("merge", "--quiet", "--ff-only", BRANCH)
    seed_scratch.clone_git("branch", "--quiet", "-d", BRANCH)

    continue_operation(seed_scratch.git, out.reporter)

    assert out.out.endswith(f"Shipped {BRANCH}.\n")
    assert "Deleted the local branch" not in out.out
    assert seed_scratch.rev("main") == work
    assert load_operation(seed_scratch.git) is None


def _shipping(scratch: Scratch, step: str) -> Operation:
    """A ship of a branch holding one plain commit, recorded at ``step`` (nothing run yet)."""
    main_before = scratch.clone_git("rev-parse", "main")
    work = scratch.branch_with_commit(BRANCH, "docs/a.md", "a\n", "docs: add a")
    return Operation("ship", BRANCH, step, work, main_before)


def test_a_ship_record_with_an_unknown_step_runs_every_step(
    seed_scratch: Scratch, out: Captured
) -> None:
    operation = _shipping(seed_scratch, "verify")

    run_ship_steps(seed_scratch.git, out.reporter, operation, "main", "nowhere")

    assert seed_scratch.rev("main") == operation.head_before
    assert seed_scratch.rev(BRANCH) is None
    assert out.out.startswith(f"Fast-forwarded main to {BRANCH} ({operation.head_before[:10]}).")


def test_pushing_main_that_origin_already_holds_pushes_nothing(
    seed_scratch: Scratch, out: Captured
) -> None:
    operation = _shipping(seed_scratch, "push-main")
    seed_scratch.clone_git("push", "--quiet", "origin", f"{operation.head_before}:refs/heads/main")
    seed_scratch.clone_git("branch", "--force", "main", operation.head_before)

    run_ship_steps(seed_scratch.git, out.reporter, operation, "main", "origin")

    assert f"origin/main already holds {operation.head_before[:10]}." in out.out
    assert "Pushed main" not in out.out
    assert out.out.endswith(f"Shipped {BRANCH}.\n")


def test_a_branch_that_differs_from_its_pushed_state_is_refused(
    seed_scratch: Scratch, out: Captured
) -> None:
    pushed = _shipping(seed_scratch, "merge").head_before
    seed_scratch.clone_git("update-ref", f"refs/remotes/origin/{BRANCH}", pushed)
    require_pushed_as_is(seed_scratch.git, BRANCH, "origin")
    later = seed_scratch.commit_file("docs/b.md", "b\n", "docs: add b")

    with pytest.raises(WorkflowError) as caught:
        require_pushed_as_is(seed_scratch.git, BRANCH, "origin")

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message.startswith(
        f"refusing to ship: '{BRANCH}' and origin/{BRANCH} differ "
        f"(not pushed: {later[:7]} docs: add b); "
    )


def test_abort_refuses_once_origin_main_holds_the_shipped_commit(
    seed_scratch: Scratch, out: Captured
) -> None:
    operation = _shipping(seed_scratch, "push-main")
    seed_scratch.clone_git("push", "--quiet", "origin", f"{operation.head_before}:refs/heads/main")

    with pytest.raises(WorkflowError) as caught:
        abort_ship(seed_scratch.git, out.reporter, operation, "main", "origin")

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        f"cannot abort: origin/main already holds the shipped commit "
        f"{operation.head_before[:10]}; finish the ship with invoke continue"
    )
    assert seed_scratch.rev("main") == operation.main_before


def test_abort_after_the_branch_was_deleted_stays_on_main_and_clears_the_record(
    seed_scratch: Scratch, out: Captured
) -> None:
    work = seed_scratch.commit_file("a.txt", "a\n", "docs(imports): add a")
    operation = Operation("ship", "docs/gone", "merge", work, work)
    save_operation(seed_scratch.git, operation)

    abort_ship(seed_scratch.git, out.reporter, operation, "main", "origin")

    assert seed_scratch.git.current_branch() == "main"
    assert seed_scratch.rev("main") == work
    assert load_operation(seed_scratch.git) is None


def test_a_rejected_push_of_main_names_the_commit_abort_takes_main_back_to(
    seed_scratch: Scratch, out: Captured
) -> None:
    main_before = str(seed_scratch.rev("main"))
    seed_scratch.clone_git("switch", "--quiet", "-c", BRANCH)
    work = seed_scratch.commit_file("a.txt", "a\n", "docs(imports): add a")
    seed_scratch.clone_git("switch", "--quiet", "main")
    seed_scratch.clone_git("merge", "--quiet", "--ff-only", BRANCH)
    _reject_pushes(seed_scratch)
    operation = Operation("ship", BRANCH, "push-main", work, main_before)

    with pytest.raises(WorkflowError) as caught:
        run_ship_steps(seed_scratch.git, out.reporter, operation, "main", "origin")

    assert caught.value.code == ExitCode.STOPPED
    assert caught.value.details == (
        "a temporary failure: invoke continue",
        f"origin/main moved on: invoke abort (local main back to {main_before[:10]}), "
        "then invoke sync and invoke ship",
    )
