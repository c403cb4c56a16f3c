"""``invoke pr``: re-check the branch, run the gate, push, open a draft PR, record its number."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.ledger.model import LedgerEntry, TaskId
from tools.workflow.ledger.store import (
    LoadedLedger,
    bookkeeping_header,
    commit_ledger_edit,
    entry_for_branch,
    load_ledger,
    with_identifier,
)
from tools.workflow.quality_gate import record_pass, run_gate
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import (
    GitHubRepository,
    PullRequestDraft,
    compare_url,
    gh_create_command,
    gh_ready_command,
    gh_view_command,
    github_repository,
    pr_number_from_output,
)
from tools.workflow.repo.state import (
    BranchTask,
    remember_branch_task,
    require_feature_work,
)
from tools.workflow.versioning import check_commits, read_commit_types, report_verdicts


@dataclass(frozen=True)
class PullRequestOutcome:
    """The PR number when known (gh, or ``--number``), and the draft that was proposed."""

    number: int | None
    draft: PullRequestDraft


def pr_title(entry: LedgerEntry | None, subjects: Sequence[str]) -> str:
    """The ledger's title suggestion, else the only commit's subject, else the entry title."""
    if entry is not None and entry.pr_title:
        return entry.pr_title
    if len(subjects) == 1 or entry is None:
        return subjects[0] if subjects else "Untitled change"
    return entry.title


def pr_body(entry: LedgerEntry | None, subjects: Sequence[str], gate: Sequence[str]) -> str:
    """Summary, Commits, Testing (the entry's validation commands) and a Checklist."""
    lines = ["## Summary", ""]
    if entry is not None:
        lines.append(entry.field_text("Summary") or entry.title)
        lines.extend(["", f"Ledger: `{entry.display_id}` · {entry.title}"])
    else:
        lines.append("(no ledger entry is linked to this branch)")
    lines.extend(["", "## Commits", ""])
    lines.extend(f"- {subject}" for subject in subjects)
    lines.extend(["", "## Testing", ""])
    commands = list(entry.validation_commands) if entry is not None else []
    lines.extend(f"- `{command}`" for command in commands or [" ".join(gate)])
    lines.extend(
        [
            "",
            "## Checklist",
            "",
            "- [x] Conventional Commits, each within the 200-line budget (`invoke check-range`)",
            "- [x] Quality gate passed locally before every commit and before this PR",
            "- [ ] CI is green",
            "- [ ] Ledger entry updated",
        ]
    )
    return "\n".join(lines) + "\n"


def push_branch(git: Git, branch: str, remote: str) -> None:
    """Push with upstream. A branch rewritten by sync is pushed with a lease on the old remote
    head, and only when that head was once on this branch: commits someone else pushed, never
    taken in, are never dropped by a forced push."""
    args = ["push", "--quiet", "--set-upstream"]
    remote_head = git.rev(f"refs/remotes/{remote}/{branch}")
    if remote_head is not None and not git.is_ancestor(remote_head, "HEAD"):
        if not git.was_on_branch(branch, remote_head):
            raise WorkflowError(
                ExitCode.REFUSED,
                f"refusing to push {branch}: {remote}/{branch} holds commits this branch never "
                f"had ({git.describe(git.commits('HEAD', remote_head))}); take them first "
                f"(git pull --rebase {remote} {branch}): a forced push would drop them",
            )
        args.append(f"--force-with-lease=refs/heads/{branch}:{remote_head}")
    result = git.run(*args, remote, f"{branch}:{branch}", check=False)
    if not result.ok:
        cause = failure_line(result)
        fix = (
            [
                f"{remote}/{branch} has commits this branch lacks: take them with "
                f"git pull --rebase {remote} {branch}, then invoke pr again"
            ]
            if cause.startswith("! [rejected]")
            else []
        )
        raise WorkflowError(ExitCode.EXTERNAL, f"git push {remote} {branch} failed: {cause}", fix)


def record_pr_number(
    git: Git,
    reporter: Reporter,
    loaded: LoadedLedger,
    entry: LedgerEntry,
    number: int,
    today: datetime.date,
    branch: str,
) -> bool:
    """Write ``tv-<today>:PR<number>`` into the entry's heading and commit it."""
    if entry.kind != "task":
        reporter.say(f"'{entry.title}' is free-form (no id line); PR #{number} not recorded.")
        return False
    if entry.task_id is not None and entry.task_id.pr == number:
        return False
    new_id = TaskId(today, number)
    new_data = with_identifier(loaded.data, entry, new_id)
    header = bookkeeping_header(f"record pr #{number} for", entry.title)
    commit_ledger_edit(git, loaded, new_data, header)
    remember_branch_task(git, BranchTask(branch, str(new_id), entry.title))
    reporter.say(f"Recorded {new_id} in the ledger (line {entry.heading_line}).")
    return True


def open_pull_request(
    git: Git,
    reporter: Reporter,
    gate: Sequence[str],
    gh: str | None,
    today: datetime.date,
    ready: bool = False,
    number: int | None = None,
    main_branch: str = "main",
    remote: str = "origin",
) -> PullRequestOutcome:
    branch = require_feature_work(git, "open a pull request", main_branch)
    if not git.has_remote(remote):
        raise WorkflowError(
            ExitCode.REFUSED, f"no remote '{remote}' to push to (git remote add {remote} <url>)"
        )
    allowed_types = read_commit_types(git.root)
    verdicts = check_commits(git, main_branch, "HEAD", allowed_types)
    if not verdicts:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"'{branch}' has no commits ahead of {main_branch}; nothing to propose",
        )
    failed = report_verdicts(verdicts, reporter)
    if failed:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"{len(failed)} commit(s) on '{branch}' break the rules; fix them before the PR",
        )
    run_gate("full", gate, git, reporter, judged="HEAD")
    record_pass(git, "full", git.output("rev-parse", "HEAD^{tree}"))
    push_branch(git, branch, remote)
    reporter.say(f"Pushed {branch} to {remote}.")
    loaded = load_ledger(git.root)
    entry = entry_for_branch(git, loaded.ledger, branch)
    subjects = [verdict.subject for verdict in verdicts]
    draft = PullRequestDraft(
        base=main_branch,
        head=branch,
        title=pr_title(entry, subjects),
        body=pr_body(entry, subjects, gate),
        draft=not ready,
    )
    remote_url = git.output("remote", "get-url", remote)
    repository = github_repository(remote_url)
    if number is None and repository is not None and gh is not None:
        number = _open_with_gh(git, reporter, gh, draft)
    elif number is None:
        _print_manual(reporter, draft, repository, remote_url)
        return PullRequestOutcome(None, draft)
    if entry is not None and record_pr_number(git, reporter, loaded, entry, number, today, branch):
        push_branch(git, branch, remote)
    return PullRequestOutcome(number, draft)


def _open_with_gh(git: Git, reporter: Reporter, gh: str, draft: PullRequestDraft) -> int:
    existing = run(gh_view_command(gh, draft.head), git.root, git.env)
    if existing.returncode == 0 and existing.stdout.strip().isdigit():
        number = int(existing.stdout.strip())
        reporter.say(f"PR #{number} is already open for {draft.head}.")
        if not draft.draft:
            marked = run(gh_ready_command(gh, number), git.root, git.env)
            if marked.returncode != 0:
                raise WorkflowError(
                    ExitCode.EXTERNAL, f"gh pr ready failed: {failure_line(marked)}"
                )
        return number
    created = run(gh_create_command(gh, draft), git.root, git.env)
    number = pr_number_from_output(created.stdout)
    if created.returncode != 0 or number is None:
        raise WorkflowError(ExitCode.EXTERNAL, f"gh pr create failed: {failure_line(created)}")
    reporter.say(f"Opened {'draft ' if draft.draft else ''}PR #{number}: {created.stdout.strip()}")
    return number


def _print_manual(
    reporter: Reporter, draft: PullRequestDraft, repository: GitHubRepository | None, url: str
) -> None:
    kind = "a draft pull request" if draft.draft else "a pull request"
    if repository is not None:
        reporter.say(f"gh is not installed; open {kind} in the browser:")
        reporter.say(f"  {compare_url(repository, draft.base, draft.head)}")
    else:
        reporter.say(
            f"The remote {url} is not on GitHub; open {kind} for {draft.head} against "
            f"{draft.base} by hand."
        )
    reporter.say("")
    reporter.say(f"Title: {draft.title}")
    reporter.say("Body:")
    reporter.say(draft.body)
    reporter.say("After opening it, record its number: invoke pr --number <N>")
