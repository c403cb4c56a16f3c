"""The git runner on a fresh repository: checked calls, the null commit id, how commits are
described, reflogs of missing branches and the worktrees that hold a branch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.workflow.scratch import isolated_env
from tools.workflow.cli import ExitCode, WorkflowError
from tools.workflow.repo.git import ZERO_SHA, Git

pytestmark = pytest.mark.unit


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    """A repository on main holding five commits ``c1`` to ``c5`` (plain git, isolated)."""
    root = tmp_path / "repo"
    root.mkdir()
    env = isolated_env(tmp_path / "home")
    subprocess.run(["git", "init", "--quiet", str(root)], env=env, check=True)
    for number in range(1, 6):
        subprocess.run(
            ["git", "commit", "--quiet", "--allow-empty", "-m", f"c{number}"],
            cwd=root,
            env=env,
            check=True,
        )
    return Git(root, env)


def test_a_git_call_is_checked_unless_told_otherwise(repo: Git) -> None:
    with pytest.raises(WorkflowError) as caught:
        repo.run("rev-parse", "--verify", "--quiet", "no-such-branch")

    assert caught.value.code == ExitCode.EXTERNAL
    assert repo.run("rev-parse", "--verify", "--quiet", "no-such-branch", check=False).ok is False


def test_the_null_id_is_the_old_id_git_logs_for_a_new_branch(repo: Git) -> None:
    log = repo.git_dir() / "logs" / "refs" / "heads" / "main"
    first_entry = log.read_text(encoding="utf-8").split()

    assert first_entry[:2] == [ZERO_SHA, repo.output("rev-parse", "main~4")]


def test_describe_names_three_commits_then_counts_the_rest(repo: Git) -> None:
    everything = repo.output("rev-list", "--reverse", "main").split()
    short = [sha[:7] for sha in everything]

    assert repo.describe(everything) == (f"{short[0]} c1, {short[1]} c2, {short[2]} c3 and 2 more")
    assert repo.describe(everything[:4]) == (
        f"{short[0]} c1, {short[1]} c2, {short[2]} c3 and 1 more"
    )
    assert repo.describe(everything[:3]) == f"{short[0]} c1, {short[1]} c2, {short[2]} c3"
    assert repo.describe(everything[:1], shown=1) == f"{short[0]} c1"


def test_a_branch_that_does_not_exist_never_held_a_commit(repo: Git) -> None:
    head = repo.output("rev-parse", "HEAD")

    assert repo.was_on_branch("no-such-branch", head) is False
    assert repo.was_on_branch("main", head) is True


def test_only_another_worktree_holding_the_branch_is_named(repo: Git, tmp_path: Path) -> None:
    other = tmp_path / "other"
    repo.run("worktree", "add", "--quiet", "-b", "docs/held", str(other), "main~1")

    assert repo.worktree_holding("docs/held") == other.resolve()
    assert repo.worktree_holding("main") is None
    assert repo.worktree_holding("docs/nowhere") is None
    assert Git(other, repo.env).worktree_holding("main") == repo.root.resolve()


def test_files_named_like_revisions_are_not_taken_for_them(repo: Git) -> None:
    """git reads an argument as a path too when such a file exists, unless told where the
    revisions end: a file named ``HEAD``, ``main~2..main`` or ``refs/heads/main``."""
    for name in ("HEAD", "main~2..main", "refs/heads/main"):
        (repo.root / name).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / name).write_text("not a revision\n", encoding="utf-8")
    commits = repo.commits("main~2", "main")

    assert len(commits) == 2
    assert repo.describe(commits) == repo.describe(commits[:1]) + ", " + repo.describe(commits[1:])
    assert repo.was_on_branch("main", repo.output("rev-parse", "HEAD~1"))
