"""``invoke check-range``: check every commit in ``BASE..HEAD`` (message, size budget, no merge
commits); CI runs it on pull requests."""

from __future__ import annotations

from collections.abc import Collection

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git
from tools.workflow.versioning import CommitVerdict, check_commits, report_verdicts


def run_check_range(
    git: Git, reporter: Reporter, base: str, head: str, allowed_types: Collection[str]
) -> list[CommitVerdict]:
    """``invoke check-range``: prints one line per commit; CHECK_FAILED if any is invalid."""
    verdicts = check_commits(git, base, head, allowed_types)
    failed = report_verdicts(verdicts, reporter)
    if failed:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"{len(failed)} of {len(verdicts)} commit(s) in {base}..{head} break the rules",
        )
    reporter.say(f"All {len(verdicts)} commit(s) in {base}..{head} pass.")
    return verdicts


def default_base(git: Git, main_branch: str, remote: str) -> str:
    """The local main if it exists (it does in a clone), else the remote-tracking main."""
    if git.rev(f"refs/heads/{main_branch}") is not None:
        return main_branch
    return f"{remote}/{main_branch}"
