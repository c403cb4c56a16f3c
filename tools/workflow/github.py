"""GitHub boundary: recognise a GitHub remote and build ``gh`` command lines as plain data.

Nothing here talks to the network; pull_request.py and ship.py run the lists built here.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.workflow.cli import ExitCode, WorkflowError

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


def reports_no_pull_request(result: CommandResult) -> bool:
    """Whether a failed ``gh pr view`` means "this branch has no PR" (not an auth error)."""
    return result.returncode != 0 and "no pull requests found" in result.stderr.lower()


def gh_ready_command(gh: str, number: int) -> list[str]:
    return [gh, "pr", "ready", str(number)]


def gh_checks_command(gh: str, branch: str) -> list[str]:
    """Exits 0 when every check passed, non-zero when one failed or is still pending."""
    return [gh, "pr", "checks", branch]


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def first_line(self) -> str:
        for line in (self.stderr + "\n" + self.stdout).splitlines():
            if line.strip():
                return line.strip()
        return f"exit status {self.returncode}"


def run_command(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> CommandResult:
    """Run an external tool (``gh``) with an argument list; EXTERNAL error if it cannot start."""
    try:
        completed = subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError as error:
        raise WorkflowError(ExitCode.EXTERNAL, f"could not run {command[0]}: {error}") from None
    return CommandResult(completed.returncode, completed.stdout, completed.stderr)
