"""The remote: bring the local main up to date with it (fast-forward only), recognise a GitHub
remote and build ``gh`` command lines as plain data (the commands run the lists built here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from tools.process import Completed, failure_line
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git
from tools.workflow.repo.state import require_branch_free

_GITHUB_REMOTE = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|ssh://git@github\.com/|git@github\.com:)"
    r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)
_PR_URL = re.compile(r"https://github\.com/[^/\s]+/[^/\s]+/pull/(?P<number>\d+)")


@dataclass(frozen=True)
class GitHubRepository:
    owner: str
    name: str

    @property
    def url(self) -> str:
        return f"https://github.com/{self.owner}/{self.name}"


@dataclass(frozen=True)
class PullRequestDraft:
    """Everything needed to open a pull request."""

    base: str
    head: str
    title: str
    body: str
    draft: bool


def github_repository(remote_url: str) -> GitHubRepository | None:
    """The GitHub repository behind a remote URL, or None for any other host or a path."""
    match = _GITHUB_REMOTE.match(remote_url.strip())
    if match is None:
        return None
    return GitHubRepository(match.group("owner"), match.group("name"))


def compare_url(repository: GitHubRepository, base: str, head: str) -> str:
    return f"{repository.url}/compare/{base}...{head}?expand=1"


def pr_number_from_output(output: str) -> int | None:
    """The PR number from the URL ``gh pr create`` prints."""
    match = _PR_URL.search(output)
    return int(match.group("number")) if match else None


def gh_create_command(gh: str, pull_request: PullRequestDraft) -> list[str]:
    command = [
        gh,
        "pr",
        "create",
        "--base",
        pull_request.base,
        "--head",
        pull_request.head,
        "--title",
        pull_request.title,
        "--body",
        pull_request.body,
    ]
    if pull_request.draft:
        command.append("--draft")
    return command


def gh_view_command(gh: str, branch: str) -> list[str]:
    """Prints the number of the branch's PR; fails when there is none."""
    return [gh, "pr", "view", branch, "--json", "number", "--jq", ".number"]


def reports_no_pull_request(result: Completed) -> bool:
    """Whether a failed ``gh pr view`` means "this branch has no PR" (not an auth error)."""
    return result.returncode != 0 and "no pull requests found" in result.stderr.lower()


def gh_ready_command(gh: str, number: int) -> list[str]:
    return [gh, "pr", "ready", str(number)]


def gh_checks_command(gh: str, branch: str) -> list[str]:
    """Exits 0 when every check passed, non-zero when one failed or is still pending."""
    return [gh, "pr", "checks", branch]


def reread_remote_branch(git: Git, remote: str, branch: str, action: str | None) -> str | None:
    """Fetch ``remote`` and return the tip of its ``branch`` (None without that remote or
    branch): what a resumable operation decides from, never a stale remote-tracking ref.
    When the remote cannot be reached nobody knows what landed: it refuses to ``action``, or
    without one returns None."""
    if not git.has_remote(remote):
        return None
    fetched = git.run("fetch", "--quiet", remote, check=False)
    if not fetched.ok and action is None:
        return None
    if not fetched.ok:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"cannot {action}: cannot read {remote} to see what landed there "
            f"({failure_line(fetched)}); retry once it is reachable",
        )
    return git.rev(f"refs/remotes/{remote}/{branch}")


class MainState(Enum):
    NO_REMOTE = "no remote"
    OFFLINE = "offline"
    UP_TO_DATE = "up to date"
    FAST_FORWARDED = "fast-forwarded"
    AHEAD = "ahead of the remote"


def update_main(git: Git, reporter: Reporter, main_branch: str, remote: str) -> MainState:
    """``fetch`` + fast-forward ``main``; never resets, never merges, never rewrites.

    Without the remote, or when the fetch fails, it says so and the local main is used.
    Refuses (nothing changed) when the local and remote main have diverged.
    """
    if not git.has_remote(remote):
        reporter.warn(f"no remote '{remote}': continuing from the local {main_branch}")
        return MainState.NO_REMOTE
    fetched = git.run("fetch", "--prune", remote, check=False)
    if not fetched.ok:
        reporter.warn(
            f"could not fetch from '{remote}' ({failure_line(fetched)}); "
            f"continuing from the local {main_branch}"
        )
        return MainState.OFFLINE
    upstream_ref = f"refs/remotes/{remote}/{main_branch}"
    upstream = git.rev(upstream_ref)
    if upstream is None:
        reporter.warn(
            f"'{remote}' has no branch '{main_branch}'; continuing from the local {main_branch}"
        )
        return MainState.NO_REMOTE
    local = git.rev(f"refs/heads/{main_branch}")
    if local is None:
        git.run("branch", "--no-track", main_branch, upstream)
        reporter.say(f"Created {main_branch} from {remote}/{main_branch}.")
        return MainState.FAST_FORWARDED
    if local == upstream:
        return MainState.UP_TO_DATE
    if git.is_ancestor(local, upstream):
        if git.current_branch() == main_branch:
            git.run("merge", "--ff-only", "--quiet", upstream_ref)
        else:
            require_branch_free(git, main_branch, f"fast-forward {main_branch}")
            git.run("fetch", "--quiet", ".", f"{upstream_ref}:refs/heads/{main_branch}")
        reporter.say(f"Fast-forwarded {main_branch} to {remote}/{main_branch} ({upstream[:10]}).")
        return MainState.FAST_FORWARDED
    if git.is_ancestor(upstream, local):
        count = len(git.commits(upstream, local))
        reporter.warn(
            f"local {main_branch} is {count} commit(s) ahead of {remote}/{main_branch} "
            "(not pushed); continuing from the local branch"
        )
        return MainState.AHEAD
    raise WorkflowError(
        ExitCode.REFUSED,
        f"local {main_branch} ({local[:10]}) and {remote}/{main_branch} ({upstream[:10]}) have "
        f"diverged; reconcile {main_branch} by hand (nothing was changed)",
    )
