"""``invoke ship``: land a checked, linear feature branch on main by fast-forward.

Steps after the checks, each saved under ``.git/`` so ``invoke continue`` can resume them:
``merge`` (fast-forward main), ``push-main``, ``delete-remote``, ``delete-local``. Main is never
force-pushed, no branch is deleted unless merged, and nothing is ever ``reset --hard``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.ledger.store import (
    bookkeeping_header,
    commit_ledger_edit,
    entry_for_branch,
    is_bookkeeping_commit,
    load_ledger,
    with_status,
)
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import (
    gh_checks_command,
    gh_view_command,
    github_repository,
    reports_no_pull_request,
    reread_remote_branch,
    update_main,
)
from tools.workflow.repo.state import (
    Operation,
    clear_operation,
    forget_branch_task,
    require_branch_free,
    require_feature_work,
    save_operation,
)
from tools.workflow.versioning import check_commits, read_commit_types, report_verdicts

SHIP_STEPS = ("merge", "push-main", "delete-remote", "delete-local")
UNDOABLE_STEPS = ("merge", "push-main")


def check_ci(git: Git, reporter: Reporter, gh: str | None, branch: str, remote: str) -> None:
    """Refuse unless CI is green for the branch's PR (when the remote is on GitHub)."""
    if not git.has_remote(remote):
        return
    repository = github_repository(git.output("remote", "get-url", remote))
    if repository is None:
        reporter.say(f"'{remote}' is not on GitHub: no pull request CI to check.")
        return
    if gh is None:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"cannot confirm CI for {branch}: '{remote}' is on GitHub but gh is not installed "
            "(install gh, or land the PR through GitHub with rebase-merge)",
        )
    view = run(gh_view_command(gh, branch), git.root, git.env)
    if reports_no_pull_request(view):
        reporter.say(f"No pull request for {branch}: no CI status to check.")
        return
    if view.returncode != 0:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"cannot confirm CI for {branch}: gh pr view: {failure_line(view)}",
        )
    checks = run(gh_checks_command(gh, branch), git.root, git.env)
    if checks.returncode != 0:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"CI is not green for PR #{view.stdout.strip()} ({failure_line(checks)}); "
            "wait or fix it",
        )
    reporter.say(f"CI is green for PR #{view.stdout.strip()}.")


def mark_done(git: Git, reporter: Reporter, branch: str) -> None:
    """Commit the entry's status change to Done on the branch."""
    loaded = load_ledger(git.root)
    entry = entry_for_branch(git, loaded.ledger, branch)
    if entry is None:
        reporter.warn(f"no ledger entry is linked to {branch}; nothing marked Done")
        return
    if entry.kind != "task":
        reporter.say(f"'{entry.title}' is free-form (no status line); nothing marked Done.")
        return
    if entry.status == "Done":
        return
    new_data = with_status(loaded.data, entry, "Done")
    commit_ledger_edit(git, loaded, new_data, bookkeeping_header("complete", entry.title))
    reporter.say(f"Marked '{entry.title}' Done (ledger line {entry.heading_line}).")


def _merge(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    del remote
    head = git.output("rev-parse", operation.branch)
    if git.current_branch() != main_branch:
        git.run("switch", "--quiet", main_branch)
    if git.output("rev-parse", "HEAD") != head:
        result = git.run("merge", "--ff-only", "--quiet", operation.branch, check=False)
        if not result.ok:
            raise WorkflowError(
                ExitCode.STOPPED,
                f"cannot fast-forward {main_branch} to {operation.branch}: {failure_line(result)}",
                ["invoke abort returns to the branch; then invoke sync and invoke ship"],
            )
    reporter.say(f"Fast-forwarded {main_branch} to {operation.branch} ({head[:10]}).")


def _push_main(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    if not git.has_remote(remote):
        reporter.warn(f"no remote '{remote}': {main_branch} was updated locally only")
        return
    landed = reread_remote_branch(git, remote, main_branch, None)
    if landed is not None and git.is_ancestor(operation.head_before, landed):
        reporter.say(f"{remote}/{main_branch} already holds {operation.head_before[:10]}.")
        return
    result = git.run("push", "--quiet", remote, f"{main_branch}:{main_branch}", check=False)
    if not result.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"pushing {main_branch} to {remote} failed: {failure_line(result)}",
            [
                "a temporary failure: invoke continue",
                f"{remote}/{main_branch} moved on: invoke abort (local {main_branch} back to "
                f"{operation.main_before[:10]}), then invoke sync and invoke ship",
            ],
        )
    reporter.say(f"Pushed {main_branch} to {remote}.")


def _delete_remote(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    """Delete the remote branch only when its tip is in the new main (and still that tip)."""
    if not git.has_remote(remote):
        return
    listed = git.run("ls-remote", "--heads", remote, f"refs/heads/{operation.branch}", check=False)
    if not listed.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"cannot reach {remote} to delete {operation.branch}: {failure_line(listed)}",
            ["retry with: invoke continue"],
        )
    if not listed.stdout.strip():
        return
    tip = listed.stdout.split()[0]
    if not git.is_ancestor(tip, main_branch):
        reporter.warn(
            f"kept {remote}/{operation.branch}: its tip {tip[:10]} is not in {main_branch} "
            "(pushed after the ship started?); nothing of it was deleted"
        )
        return
    result = git.run(
        "push",
        "--quiet",
        f"--force-with-lease=refs/heads/{operation.branch}:{tip}",
        remote,
        "--delete",
        operation.branch,
        check=False,
    )
    if not result.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"deleting {remote}/{operation.branch} failed: {failure_line(result)}",
            ["retry with: invoke continue"],
        )
    reporter.say(f"Deleted {remote}/{operation.branch}.")


def _delete_local(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    """Delete the local branch once main contains it (judged against main only: git branch -d
    alone would also accept a branch merged into its upstream but not into main)."""
    del remote
    if not git.branch_exists(operation.branch):
        return
    if git.current_branch() == operation.branch:
        git.run("switch", "--quiet", main_branch)
    if not git.is_ancestor(operation.branch, main_branch):
        extra = git.commits(main_branch, operation.branch)
        raise WorkflowError(
            ExitCode.STOPPED,
            f"kept the local branch {operation.branch}: it holds {len(extra)} commit(s) that "
            f"{main_branch} does not ({git.describe(extra)})",
            ["land or move them first; invoke continue then deletes the branch"],
        )
    # -D: git's own -d judges "merged" against HEAD, which is not main when continue runs
    # from a third branch; the ancestry check above is the guarantee.
    git.run("branch", "--quiet", "-D", operation.branch)
    reporter.say(f"Deleted the local branch {operation.branch}.")


_StepFunction = Callable[[Git, Reporter, Operation, str, str], None]
_STEP_FUNCTIONS: dict[str, _StepFunction] = {
    "merge": _merge,
    "push-main": _push_main,
    "delete-remote": _delete_remote,
    "delete-local": _delete_local,
}


def run_ship_steps(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    """Run the remaining steps from ``operation.step`` on, saving progress before each."""
    start = SHIP_STEPS.index(operation.step) if operation.step in SHIP_STEPS else 0
    for step in SHIP_STEPS[start:]:
        current = replace(operation, step=step)
        save_operation(git, current)
        _STEP_FUNCTIONS[step](git, reporter, current, main_branch, remote)
    clear_operation(git)
    forget_branch_task(git, operation.branch)
    reporter.say(f"Shipped {operation.branch}.")


def require_pushed_as_is(git: Git, branch: str, remote: str) -> None:
    """Ship lands exactly what was pushed (and so reviewed): a branch that has a remote branch
    must be that commit, as last fetched, plus at most ledger bookkeeping on top (the Done
    commit an aborted ship leaves, a PR number recorded by hand)."""
    remote_head = git.rev(f"refs/remotes/{remote}/{branch}")
    head = git.output("rev-parse", "HEAD")
    if remote_head is None or remote_head == head:
        return
    differences: list[str] = []
    unpushed = git.commits(remote_head, head)
    if git.is_ancestor(remote_head, head) and all(
        is_bookkeeping_commit(git, commit) for commit in unpushed
    ):
        return
    if unpushed:
        differences.append(f"not pushed: {git.describe(unpushed)}")
    foreign = git.commits(head, remote_head)
    if foreign:
        differences.append(f"only on {remote}/{branch}: {git.describe(foreign)}")
    raise WorkflowError(
        ExitCode.REFUSED,
        f"refusing to ship: '{branch}' and {remote}/{branch} differ ({'; '.join(differences)}); "
        "ship lands exactly what was pushed, so push for review (invoke pr) or take the "
        f"remote commits first (git pull --rebase {remote} {branch})",
    )


def ship(
    git: Git,
    reporter: Reporter,
    gh: str | None,
    main_branch: str = "main",
    remote: str = "origin",
) -> None:
    """Land the branch (see docs/workflow.md, "Ship's rules")."""
    branch = require_feature_work(git, "ship", main_branch)
    require_branch_free(git, main_branch, "ship")
    allowed_types = read_commit_types(git.root)
    update_main(git, reporter, main_branch, remote)
    if not git.is_ancestor(main_branch, "HEAD"):
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to ship: '{branch}' is not based on the latest {main_branch} "
            "(run invoke sync first; ship only fast-forwards)",
        )
    require_pushed_as_is(git, branch, remote)
    verdicts = check_commits(git, main_branch, "HEAD", allowed_types)
    if not verdicts:
        raise WorkflowError(
            ExitCode.REFUSED, f"refusing to ship: '{branch}' has no commits ahead of {main_branch}"
        )
    if all(is_bookkeeping_commit(git, verdict.sha) for verdict in verdicts):
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to ship: '{branch}' holds only ledger bookkeeping "
            f"({git.describe([verdict.sha for verdict in verdicts])}); commit the work "
            "first",
        )
    failed = report_verdicts(verdicts, reporter)
    if failed:
        raise WorkflowError(
            ExitCode.CHECK_FAILED,
            f"refusing to ship: {len(failed)} commit(s) on '{branch}' break the rules",
        )
    check_ci(git, reporter, gh, branch, remote)
    main_before = git.output("rev-parse", main_branch)
    mark_done(git, reporter, branch)
    operation = Operation(
        kind="ship",
        branch=branch,
        step=SHIP_STEPS[0],
        head_before=git.output("rev-parse", "HEAD"),
        main_before=main_before,
    )
    run_ship_steps(git, reporter, operation, main_branch, remote)


def abort_ship(
    git: Git, reporter: Reporter, operation: Operation, main_branch: str, remote: str
) -> None:
    """Undo a ship that has not pushed main yet: local main back, switch to the branch. The
    record's step is not enough (a ship killed during the push saved ``push-main`` while
    origin may already hold it), so origin is read again first."""
    if operation.step not in UNDOABLE_STEPS:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"cannot abort: {main_branch} was already pushed; finish with invoke continue",
        )
    landed = reread_remote_branch(git, remote, main_branch, "abort the ship")
    if landed is not None and git.is_ancestor(operation.head_before, landed):
        raise WorkflowError(
            ExitCode.REFUSED,
            f"cannot abort: {remote}/{main_branch} already holds the shipped commit "
            f"{operation.head_before[:10]}; finish the ship with invoke continue",
        )
    if git.current_branch() != operation.branch and git.branch_exists(operation.branch):
        git.run("switch", "--quiet", operation.branch)
    current_main = git.output("rev-parse", main_branch)
    if current_main != operation.main_before:
        if current_main != git.output("rev-parse", operation.branch):
            raise WorkflowError(
                ExitCode.REFUSED,
                f"cannot abort: {main_branch} moved since the ship started; left as it is",
            )
        git.run(
            "update-ref",
            "-m",
            "workflow: abort ship",
            f"refs/heads/{main_branch}",
            operation.main_before,
            current_main,
        )
    clear_operation(git)
    reporter.say(
        f"Ship aborted; {main_branch} is back at {operation.main_before[:10]} and you are on "
        f"{operation.branch}."
    )
