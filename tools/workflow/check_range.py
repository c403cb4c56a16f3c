"""Check every commit in ``BASE..HEAD``: message, size budget, no merge commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.commit_message import TRAILER_KEY, check_message, trailer_value
from tools.workflow.commit_size import LINE_BUDGET, commit_changes, measure
from tools.workflow.repo.git import Git


@dataclass(frozen=True)
class CommitVerdict:
    """One commit's touched lines and the problems found with it."""

    sha: str
    subject: str
    touched: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_commit(git: Git, sha: str, allowed_types: Collection[str]) -> CommitVerdict:
    parents, _, message = git.output("show", "-s", "--format=%P%x00%B", sha).partition("\0")
    subject = message.split("\n", 1)[0]
    problems = check_message(message, allowed_types)
    if len(parents.split()) > 1:
        problems.append("merge commit: history must stay linear (rebase instead of merging)")
    size = measure(commit_changes(git, sha))
    if size.over_budget() and trailer_value(message, TRAILER_KEY) is None:
        problems.append(
            f"touches {size.total} lines, over the {LINE_BUDGET}-line budget "
            f"(and has no '{TRAILER_KEY}:' trailer)"
        )
    return CommitVerdict(sha, subject, size.total, tuple(problems))


def check_commits(
    git: Git, base: str, head: str, allowed_types: Collection[str]
) -> list[CommitVerdict]:
    for revision in (base, head):
        if git.rev(revision) is None:
            raise WorkflowError(
                ExitCode.USAGE, f"'{revision}' does not name a commit (expected a branch or sha)"
            )
    return [check_commit(git, sha, allowed_types) for sha in git.commits(base, head)]


def report_verdicts(verdicts: list[CommitVerdict], reporter: Reporter) -> None:
    for verdict in verdicts:
        mark = "ok  " if verdict.ok else "FAIL"
        reporter.say(f"{mark} {verdict.sha[:10]} {verdict.touched:5d} lines  {verdict.subject}")
        for problem in verdict.problems:
            reporter.say(f"       - {problem}")


def run_check_range(
    git: Git, reporter: Reporter, base: str, head: str, allowed_types: Collection[str]
) -> list[CommitVerdict]:
    """``invoke check-range``: prints one line per commit; CHECK_FAILED if any is invalid."""
    verdicts = check_commits(git, base, head, allowed_types)
    report_verdicts(verdicts, reporter)
    failed = [verdict for verdict in verdicts if not verdict.ok]
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
