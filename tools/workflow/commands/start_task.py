"""``invoke start-task``: from a ledger entry to a feature branch based on an updated main."""

from __future__ import annotations

from dataclasses import dataclass

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.ledger.model import LedgerEntry
from tools.workflow.ledger.select import matching_entries, select_entry
from tools.workflow.ledger.store import (
    LEDGER_PATH,
    LoadedLedger,
    bookkeeping_header,
    commit_ledger_edit,
    find_entry,
    load_ledger,
    load_ledger_at,
    warn_about_problems,
    with_status,
)
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import update_main
from tools.workflow.repo.state import (
    BranchTask,
    remember_branch_task,
    require_no_pending_operation,
    require_safe_state,
)
from tools.workflow.versioning import branch_problems, read_commit_types


@dataclass(frozen=True)
class StartedTask:
    """What ``start-task`` did."""

    title: str
    branch: str
    created: bool
    marked_in_progress: bool


def _branch_for(entry: LedgerEntry, allowed_types: tuple[str, ...]) -> str:
    if entry.branch is None:
        raise WorkflowError(
            ExitCode.USAGE,
            f"ledger line {entry.heading_line}: '{entry.title}' has no 'Branch:' in its Git plan "
            "and no planned commit to derive one from (expected Branch: `<type>/<scope>-<desc>`)",
        )
    problems = branch_problems(entry.branch, allowed_types)
    if problems:
        line = entry.branch_line or entry.heading_line
        raise WorkflowError(ExitCode.USAGE, f"ledger line {line}: {problems[0]}")
    return entry.branch


def _switch_or_create(
    git: Git, reporter: Reporter, branch: str, main_branch: str, remote: str
) -> bool:
    """Switch to ``branch``, creating it from main when needed; True when it was created."""
    if git.branch_exists(branch):
        if git.current_branch() != branch:
            git.run("switch", "--quiet", branch)
        reporter.say(f"Switched to the existing branch {branch}.")
        if not git.is_ancestor(main_branch, branch):
            reporter.warn(f"{branch} is not based on the latest {main_branch}: run 'invoke sync'")
        return False
    if git.remote_branch_exists(remote, branch):
        git.run("switch", "--quiet", "--track", "-c", branch, f"{remote}/{branch}")
        reporter.say(f"Created {branch} tracking {remote}/{branch}.")
        return True
    git.run("switch", "--quiet", "--no-track", "-c", branch, main_branch)
    reporter.say(
        f"Created {branch} from {main_branch} ({git.output('rev-parse', '--short', main_branch)})."
    )
    return True


def _print_plan(entry: LedgerEntry, reporter: Reporter) -> None:
    if entry.steps:
        reporter.say("")
        reporter.say("Next steps:")
        for number, step in enumerate(entry.steps, start=1):
            reporter.say(f"  {number}. {step}")
    if entry.planned_commits:
        reporter.say("")
        reporter.say("Planned commits (each at most 200 touched lines):")
        for number, planned in enumerate(entry.planned_commits, start=1):
            files = f"  ({', '.join(planned.files)})" if planned.files else ""
            reporter.say(f"  {number}. {planned.message}{files}")
    if entry.validation_commands:
        reporter.say("")
        reporter.say("Validation:")
        for command in entry.validation_commands:
            reporter.say(f"  {command}")
    if entry.acceptance:
        reporter.say("")
        reporter.say("Acceptance criteria:")
        for item in entry.acceptance:
            reporter.say(f"  - {item}")
    reporter.say("")
    reporter.say("Then: stage a small slice (git add -p) and run 'invoke commit'.")


def parse_pick(text: str) -> int | None:
    """``--pick`` as typed: empty means none, else the number of a listed candidate."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise WorkflowError(
            ExitCode.USAGE,
            f"--pick {text!r}: expected the number of a candidate in the list start-task "
            "prints (1, 2, ...)",
        )
    return int(text)


def landed_by(git: Git, entry: LedgerEntry) -> str:
    """What landed a Done entry: its ``Landed`` field; else the commit that first carried its
    Done heading (``invoke ship``'s ``chore(ledger): complete ...``, on top of the landed
    work), with the PR when the id has one."""
    recorded = entry.field_text("Landed")
    if recorded:
        return f"landed by {recorded.rstrip('.')}"
    pr = "" if entry.task_id is None or entry.task_id.pr is None else f" (PR #{entry.task_id.pr})"
    found = git.run(
        "log", "--format=%h %s", "-S", entry.heading, "--", LEDGER_PATH.as_posix(), check=False
    )
    marked = found.stdout.splitlines()
    by = f" by {marked[-1]}" if marked else ""
    return f"marked Done{by}{pr}"


def _refuse_done(git: Git, query: str, entries: list[LedgerEntry]) -> WorkflowError:
    described = [
        f"'{entry.title}' ({entry.display_id}) {landed_by(git, entry)}" for entry in entries
    ]
    if len(entries) == 1:
        (only,) = described
        return WorkflowError(ExitCode.USAGE, f"{only}: it is Done, nothing to start")
    return WorkflowError(
        ExitCode.USAGE,
        f"'{query}' names {len(entries)} entries, all Done, nothing to start: "
        + "; ".join(described),
    )


def _mark_in_progress(
    git: Git, reporter: Reporter, entry: LedgerEntry, branch: str
) -> tuple[LedgerEntry | None, bool]:
    """Commit the entry's In progress status on ``branch``; the entry as found there, and
    whether a commit was made."""
    on_branch = load_ledger(git.root)
    current = find_entry(on_branch.ledger, entry.raw_id, entry.title, branch)
    if current is None:
        reporter.warn(f"'{entry.title}' is not in the ledger on {branch}; status left as it is")
    elif current.kind != "task":
        reporter.say("The entry is a free-form section without a status; nothing to mark.")
    elif current.status == "Done":
        reporter.warn(f"'{entry.title}' is already Done in the ledger on {branch}")
    elif current.status != "In progress":
        new_data = with_status(on_branch.data, current, "In progress")
        commit_ledger_edit(git, on_branch, new_data, bookkeeping_header("start", entry.title))
        reporter.say(f"Marked the entry In progress (ledger line {current.heading_line}).")
        return current, True
    return current, False


def _undo_start(git: Git, started_on: str, branch: str, created: str | None) -> str:
    """Back to ``started_on``; a branch this run created (still at ``created``) is removed:
    it holds nothing but commits of main or of its remote branch."""
    if git.current_branch() != started_on:
        git.run("switch", "--quiet", started_on)
    if created is None:
        return f"back on {started_on}"
    git.run("update-ref", "-d", f"refs/heads/{branch}", created)
    return f"back on {started_on}; {branch} was removed again"


def _ledger_with(
    git: Git, reporter: Reporter, query: str, main_branch: str, remote: str
) -> tuple[LoadedLedger, bool]:
    """The checked-out ledger; when no entry there matches ``query``, the ledger of ``main``
    once updated from ``remote`` (an entry a teammate added on origin needs no pull first).
    The flag says whether ``main`` was updated on the way."""
    loaded = load_ledger(git.root)
    if matching_entries(loaded.ledger, query) or not git.has_remote(remote):
        return loaded, False
    require_safe_state(git, "start a task")
    update_main(git, reporter, main_branch, remote)
    on_main = load_ledger_at(git, f"refs/heads/{main_branch}")
    if on_main is None or not matching_entries(on_main.ledger, query):
        # Equivalent: nothing in loaded matches, so start_task refuses before reading the flag.
        return loaded, True  # pragma: no mutate
    return on_main, True


def start_task(
    git: Git,
    reporter: Reporter,
    query: str,
    pick: int | None = None,
    main_branch: str = "main",
    remote: str = "origin",
) -> StartedTask:
    """Find the entry, update main, create or switch to its branch, mark it In progress.

    If marking fails (a hook or commit signing refuses the ledger commit), nothing is left
    behind: the user is back on the branch they started from and a new branch is removed."""
    require_no_pending_operation(git, "start a task")
    allowed_types = read_commit_types(git.root)
    loaded, main_updated = _ledger_with(git, reporter, query, main_branch, remote)
    warn_about_problems(loaded, reporter)
    matches = matching_entries(loaded.ledger, query)
    if pick is None and matches and all(entry.status == "Done" for entry in matches):
        raise _refuse_done(git, query, matches)
    selection = select_entry(loaded.ledger, query, pick, "start-task")
    entry = selection.entry
    if entry.status == "Done":
        raise _refuse_done(git, query, [entry])
    branch = _branch_for(entry, allowed_types)
    if branch == main_branch:
        raise WorkflowError(ExitCode.USAGE, f"the entry's branch is '{main_branch}' itself")
    started_on = require_safe_state(git, "start a task")
    reporter.say(f"Task: {entry.title} ({entry.display_id}, {entry.status})")
    for other, reason in selection.set_aside:
        reporter.say(f"  set aside: {other.title} (line {other.heading_line}): {reason}")
    if not main_updated:
        update_main(git, reporter, main_branch, remote)
    created = _switch_or_create(git, reporter, branch, main_branch, remote)
    try:
        current, marked = _mark_in_progress(git, reporter, entry, branch)
    except WorkflowError as error:
        where = _undo_start(git, started_on, branch, git.rev(branch) if created else None)
        raise WorkflowError(
            error.code,
            f"marking '{entry.title}' In progress failed: {error.message}",
            [*error.details, f"nothing was started: {where}"],
        ) from None
    remember_branch_task(git, BranchTask(branch, entry.raw_id, entry.title))
    _print_plan(current or entry, reporter)
    return StartedTask(entry.title, branch, created, marked)
