"""update_main: fast-forward only; a missing remote branch, a missing local main, a main ahead.
reread_remote_branch: what a resumed operation reads of the remote."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.remote import MainState, reread_remote_branch, update_main

if TYPE_CHECKING:
    from tests.fixtures.workflow.scratch import Scratch
    from tests.integration.workflow.conftest import Captured

pytestmark = pytest.mark.integration


def test_up_to_date_main_is_left_as_it_is(seed_scratch: Scratch, out: Captured) -> None:
    main = seed_scratch.rev("main")

    assert update_main(seed_scratch.git, out.reporter, "main", "origin") is MainState.UP_TO_DATE
    assert seed_scratch.rev("main") == main
    assert out.out == ""
    assert out.err == ""


def test_main_checked_out_is_fast_forwarded_in_place(seed_scratch: Scratch, out: Captured) -> None:
    newer = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")

    state = update_main(seed_scratch.git, out.reporter, "main", "origin")

    assert state is MainState.FAST_FORWARDED
    assert seed_scratch.rev("HEAD") == newer
    assert (seed_scratch.root / "theirs.txt").read_text(encoding="utf-8") == "theirs\n"
    assert out.out == f"Fast-forwarded main to origin/main ({newer[:10]}).\n"


def test_remote_without_main_leaves_the_local_main(seed_scratch: Scratch, out: Captured) -> None:
    empty = seed_scratch.base / "empty.git"
    seed_scratch.raw(seed_scratch.base, "init", "--quiet", "--bare", str(empty))
    seed_scratch.clone_git("remote", "set-url", "origin", str(empty))
    main = seed_scratch.rev("main")

    state = update_main(seed_scratch.git, out.reporter, "main", "origin")

    assert state is MainState.NO_REMOTE
    assert seed_scratch.rev("main") == main
    assert seed_scratch.rev("refs/remotes/origin/main") is None
    assert out.err == ("warning: 'origin' has no branch 'main'; continuing from the local main\n")


def test_missing_local_main_is_created_from_the_remote(
    seed_scratch: Scratch, out: Captured
) -> None:
    seed_scratch.clone_git("switch", "--quiet", "-c", "docs/elsewhere")
    seed_scratch.clone_git("branch", "--quiet", "-D", "main")
    newer = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")

    state = update_main(seed_scratch.git, out.reporter, "main", "origin")

    assert state is MainState.FAST_FORWARDED
    assert seed_scratch.rev("refs/heads/main") == newer
    assert seed_scratch.git.config("branch.main.remote") is None
    assert out.out == "Created main from origin/main.\n"


def test_local_main_ahead_is_used_as_it_is(seed_scratch: Scratch, out: Captured) -> None:
    seed_scratch.commit_file("one.txt", "1\n", "docs: add one")
    local = seed_scratch.commit_file("two.txt", "2\n", "docs: add two")

    state = update_main(seed_scratch.git, out.reporter, "main", "origin")

    assert state is MainState.AHEAD
    assert seed_scratch.rev("main") == local
    assert out.err == (
        "warning: local main is 2 commit(s) ahead of origin/main (not pushed); "
        "continuing from the local branch\n"
    )


def test_diverged_main_is_refused(seed_scratch: Scratch, out: Captured) -> None:
    local = seed_scratch.commit_file("mine.txt", "mine\n", "docs: add mine")
    remote = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add theirs")

    with pytest.raises(WorkflowError) as caught:
        update_main(seed_scratch.git, out.reporter, "main", "origin")

    assert caught.value.code == ExitCode.REFUSED
    assert caught.value.message == (
        f"local main ({local[:10]}) and origin/main ({remote[:10]}) have diverged; "
        "reconcile main by hand (nothing was changed)"
    )
    assert seed_scratch.rev("main") == local


def test_rereading_the_remote_gives_its_branch_fetched_anew(seed_scratch: Scratch) -> None:
    newer = seed_scratch.upstream_commit("theirs.txt", "theirs\n", "docs: add their note")

    assert reread_remote_branch(seed_scratch.git, "origin", "main", None) == newer
    assert reread_remote_branch(seed_scratch.git, "origin", "no-such-branch", None) is None
    assert seed_scratch.rev("refs/remotes/origin/main") == newer


def test_rereading_a_missing_or_unreachable_remote_without_an_action_gives_none(
    seed_scratch: Scratch,
) -> None:
    known = seed_scratch.rev("refs/remotes/origin/main")
    seed_scratch.clone_git("remote", "set-url", "origin", str(seed_scratch.base / "gone.git"))

    assert reread_remote_branch(seed_scratch.git, "elsewhere", "main", None) is None
    assert reread_remote_branch(seed_scratch.git, "origin", "main", None) is None
    with pytest.raises(WorkflowError) as refused:
        reread_remote_branch(seed_scratch.git, "origin", "main", "abort the ship")

    assert refused.value.code == ExitCode.REFUSED
    assert refused.value.message.startswith(
        "cannot abort the ship: cannot read origin to see what landed there (fatal: "
    )
    assert seed_scratch.rev("refs/remotes/origin/main") == known
