"""Run git in one repository, through the one runner of tools/ (tools/process.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tools.process import Completed, failure_line, run
from tools.workflow.cli import ExitCode, WorkflowError

ZERO_SHA = "0" * 40


class Git:
    """A repository root plus the environment every git call (and quality gate) runs with."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.root = root
        base = dict(os.environ if env is None else env)
        base.setdefault("GIT_TERMINAL_PROMPT", "0")
        self.env: dict[str, str] = base

    @classmethod
    def discover(cls, start: Path, env: Mapping[str, str] | None = None) -> Git:
        """The repository containing ``start``."""
        probe = cls(start, env)
        result = probe.run("rev-parse", "--show-toplevel", check=False)
        if not result.ok:
            raise WorkflowError(
                ExitCode.USAGE,
                f"{start}: not inside a git work tree (run the task from the repository)",
            )
        return cls(Path(result.stdout.strip()), env)

    def run(
        self,
        *args: str,
        check: bool = True,
        input_text: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> Completed:
        """Run ``git <args>``; with ``check`` a non-zero exit raises an EXTERNAL error."""
        env = self.env if extra_env is None else {**self.env, **extra_env}
        result = run(["git", *args], self.root, env, input_text)
        if check and not result.ok:
            raise WorkflowError(
                ExitCode.EXTERNAL, f"git {' '.join(args)} failed: {failure_line(result)}"
            )
        return result

    def output(self, *args: str) -> str:
        """Stdout of a git call that must succeed, without the trailing newline."""
        return self.run(*args).stdout.rstrip("\n")

    def succeeds(self, *args: str) -> bool:
        return self.run(*args, check=False).ok

    def rev(self, revision: str) -> str | None:
        """The commit id ``revision`` names, or None."""
        result = self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
        return result.stdout.strip() if result.ok else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.succeeds("merge-base", "--is-ancestor", ancestor, descendant)

    def current_branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        result = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return result.stdout.strip() if result.ok else None

    def has_remote(self, remote: str) -> bool:
        return remote in self.output("remote").split()

    def git_dir(self) -> Path:
        return Path(self.output("rev-parse", "--absolute-git-dir"))

    def common_dir(self) -> Path:
        common = Path(self.output("rev-parse", "--git-common-dir"))
        return common if common.is_absolute() else (self.root / common).resolve()

    def write_tree(self) -> str:
        """The tree id of the index as it is now."""
        return self.output("write-tree")

    def branch_exists(self, branch: str) -> bool:
        return self.succeeds("show-ref", "--verify", "--quiet", f"refs/heads/{branch}")

    def remote_branch_exists(self, remote: str, branch: str) -> bool:
        return self.succeeds("show-ref", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}")

    def commits(self, base: str, head: str) -> list[str]:
        """Commits in ``base..head``, oldest first."""
        listed = self.output("rev-list", "--reverse", f"{base}..{head}", "--")
        return listed.split()

    def config(self, key: str) -> str | None:
        result = self.run("config", "--get", key, check=False)
        return result.stdout.strip() if result.ok else None

    def describe(self, commits: list[str], shown: int = 3) -> str:
        """``abc1234 subject, ...`` for the first ``shown`` commits, then how many more."""
        parts = [self.output("log", "-1", "--format=%h %s", sha, "--") for sha in commits[:shown]]
        more = len(commits) - shown
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")

    def was_on_branch(self, branch: str, commit: str) -> bool:
        """Whether ``commit`` is in the history of some state the branch had (its reflog):
        the branch integrated it once, as a rebase keeps the pushed tip there."""
        listed = self.run(
            "reflog", "show", "--format=%H", f"refs/heads/{branch}", "--", check=False
        )
        states = set(listed.stdout.split())
        if not states:
            return False
        exclusions = "".join(f"^{state}\n" for state in sorted(states))
        left = self.run("rev-list", "-n", "1", "--stdin", commit, "--", input_text=exclusions)
        return not left.stdout.strip()

    def worktree_holding(self, branch: str) -> Path | None:
        """Another worktree of this repository that has ``branch`` checked out, if any."""
        listing = self.output("worktree", "list", "--porcelain", "-z").split("\0")
        path: Path | None = None
        for field in listing:
            if field.startswith("worktree "):
                path = Path(field.removeprefix("worktree "))
            elif (
                field == f"branch refs/heads/{branch}"
                and path is not None
                and path.resolve() != self.root.resolve()
            ):
                return path
        return None
