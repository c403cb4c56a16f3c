"""``invoke release``: version, changelog, tag and reproducible artifacts from the commits on an
up-to-date main, pushed with the tag in one atomic push.

Steps after the checks, each saved under ``.git/`` so ``invoke continue`` can resume them and
``invoke abort`` can undo them until origin holds the release: ``commit`` (CHANGELOG.md and
``uv version``), ``tag``, ``build`` (twice, compared byte for byte), ``push``.
"""

from __future__ import annotations

import datetime
import tomllib
from dataclasses import dataclass, replace
from typing import cast

from tools.process import failure_line, run
from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.release_notes import (
    TAG_PREFIX,
    changelog_section,
    format_version,
    last_release_tag,
    next_version,
    parse_version,
    read_commits,
    with_section,
)
from tools.workflow.repo.artifacts import ARTIFACTS, build_twice
from tools.workflow.repo.git import Git
from tools.workflow.repo.remote import reread_remote_branch
from tools.workflow.repo.state import (
    Operation,
    clear_operation,
    require_clean_tree,
    require_no_pending_operation,
    require_safe_state,
    save_operation,
)

RELEASE_STEPS = ("commit", "tag", "build", "push")
CHANGELOG = "CHANGELOG.md"
DIST = "dist"


@dataclass(frozen=True)
class ReleasePlan:
    tag: str
    since: str | None
    commit_count: int
    section: str


@dataclass(frozen=True)
class Tools:
    """What the steps run besides git: uv, and the date written into the changelog."""

    uv: str | None
    today: datetime.date


def plan_release(git: Git, head: str, today: datetime.date) -> ReleasePlan | None:
    """The release the commits since the last ``v*`` tag call for; None when nothing does.
    Without a tag, the first release is the version ``pyproject.toml`` holds."""
    since = last_release_tag(git, head)
    commits = read_commits(git, since, head)
    if since is None:
        written = _project_version(git, head)
        version = parse_version(written)
        if version is None:
            raise WorkflowError(
                ExitCode.USAGE,
                f"pyproject.toml: project.version {written!r} is not X.Y.Z; set the version of "
                "the first release there",
            )
    else:
        current = parse_version(since.removeprefix(TAG_PREFIX))
        version = None if current is None else next_version(current, commits)
    if version is None:
        return None
    tag = TAG_PREFIX + format_version(version)
    section = changelog_section(tag, today.isoformat(), commits)
    return ReleasePlan(tag, since, len(commits), section)


def _project_version(git: Git, head: str) -> str:
    shown = git.run("show", f"{head}:pyproject.toml", check=False)
    if not shown.ok:
        raise WorkflowError(ExitCode.USAGE, "no pyproject.toml on main: nothing to version")
    project: object = tomllib.loads(shown.stdout).get("project")
    version = (
        cast("dict[str, object]", project).get("version") if isinstance(project, dict) else None
    )
    return version if isinstance(version, str) else ""


def release(
    git: Git,
    reporter: Reporter,
    tools: Tools,
    dry_run: bool = False,
    main_branch: str = "main",
    remote: str = "origin",
) -> ReleasePlan | None:
    """Release main (see docs/workflow.md, ``invoke release``)."""
    require_no_pending_operation(git, "release")
    branch = require_safe_state(git, "release")
    if branch != main_branch:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"refusing to release from '{branch}': releases are made on {main_branch} "
            f"(git switch {main_branch})",
        )
    head = git.output("rev-parse", "HEAD")
    _require_up_to_date(git, head, main_branch, remote)
    plan = plan_release(git, head, tools.today)
    if plan is None:
        since = last_release_tag(git, head)
        reporter.say(f"Nothing to release: no feat, fix, perf or breaking commit since {since}.")
        return None
    since = plan.since or "the first commit"
    reporter.say(f"Next version: {plan.tag} ({plan.commit_count} commit(s) since {since}).")
    reporter.say(plan.section)
    if dry_run:
        return plan
    _uv(tools)
    if git.rev(f"refs/tags/{plan.tag}") is not None or _remote_has_tag(git, remote, plan.tag):
        raise WorkflowError(
            ExitCode.REFUSED, f"refusing to release {plan.tag}: the tag exists already"
        )
    operation = Operation("release", main_branch, RELEASE_STEPS[0], head, head, plan.tag)
    run_release_steps(git, reporter, operation, tools, remote)
    return plan


def _require_up_to_date(git: Git, head: str, main_branch: str, remote: str) -> None:
    if not git.has_remote(remote):
        raise WorkflowError(
            ExitCode.REFUSED, f"refusing to release: no remote '{remote}' to push it to"
        )
    upstream = reread_remote_branch(git, remote, main_branch, "release")
    if upstream == head:
        return
    behind = [] if upstream is None else git.commits(head, upstream)
    ahead = git.commits(upstream, head) if upstream else [head]
    raise WorkflowError(
        ExitCode.REFUSED,
        f"refusing to release: {main_branch} is {len(behind)} commit(s) behind and "
        f"{len(ahead)} ahead of {remote}/{main_branch}; a release is made from what {remote} "
        f"holds (git pull --ff-only {remote} {main_branch}, or land the commits first)",
    )


def _remote_has_tag(git: Git, remote: str, tag: str) -> bool:
    listed = git.run("ls-remote", "--tags", remote, f"refs/tags/{tag}", check=False)
    if not listed.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"cannot read the tags of {remote}: {failure_line(listed)}",
            ["retry once it is reachable"],
        )
    return bool(listed.stdout.strip())


def run_release_steps(
    git: Git, reporter: Reporter, operation: Operation, tools: Tools, remote: str
) -> None:
    start = RELEASE_STEPS.index(operation.step) if operation.step in RELEASE_STEPS else 0
    for step in RELEASE_STEPS[start:]:
        current = replace(operation, step=step)
        save_operation(git, current)
        if step == "commit":
            _commit(git, reporter, current, tools)
        elif step == "tag":
            _tag(git, reporter, current)
        elif step == "build":
            _build_twice(git, reporter, current, tools)
        else:
            _push(git, reporter, current, remote)
    clear_operation(git)
    reporter.say(f"Released {operation.tag}.")


def _release_commit(git: Git, operation: Operation) -> str | None:
    """The release commit on main, once made (main's tip, on top of where it was)."""
    tip = git.output("rev-parse", operation.branch)
    if tip == operation.head_before:
        return None
    subject = git.output("log", "-1", "--format=%s", tip, "--")
    parent = git.rev(f"{tip}^")
    if subject != f"chore(release): {operation.tag}" or parent != operation.head_before:
        raise WorkflowError(
            ExitCode.REFUSED,
            f"{operation.branch} moved since the release of {operation.tag} started "
            f"(now {tip[:10]}); left as it is",
        )
    return tip


def _commit(git: Git, reporter: Reporter, operation: Operation, tools: Tools) -> None:
    if _release_commit(git, operation) is not None:
        return
    _uv(tools)
    plan = plan_release(git, operation.head_before, tools.today)
    if plan is None or plan.tag != operation.tag:
        raise WorkflowError(
            ExitCode.REFUSED, f"the commits no longer call for {operation.tag}; invoke abort"
        )
    shown = git.run("show", f"{operation.head_before}:{CHANGELOG}", check=False)
    (git.root / CHANGELOG).write_text(
        with_section(shown.stdout if shown.ok else None, plan.section), encoding="utf-8"
    )
    locked = (git.root / "uv.lock").exists()
    version = operation.tag.removeprefix(TAG_PREFIX)
    command = [_uv(tools), "version", version, "--no-sync" if locked else "--frozen"]
    result = run(command, git.root, git.env)
    if not result.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"uv version {version} failed: {failure_line(result)}",
            ["fix it, then invoke continue; or undo the release: invoke abort"],
        )
    git.run("add", "--", CHANGELOG, "pyproject.toml", *(["uv.lock"] if locked else []))
    git.run("commit", "--quiet", "-m", f"chore(release): {operation.tag}")
    reporter.say(f"Committed chore(release): {operation.tag}.")


def _uv(tools: Tools) -> str:
    if tools.uv is None:
        raise WorkflowError(
            ExitCode.USAGE, "uv is not on PATH: a release sets the version and builds with it"
        )
    return tools.uv


def _tag(git: Git, reporter: Reporter, operation: Operation) -> None:
    commit = _release_commit(git, operation)
    if git.rev(f"refs/tags/{operation.tag}") == commit:
        return
    git.run("tag", "--annotate", "-m", f"Release {operation.tag}", operation.tag, str(commit))
    reporter.say(f"Tagged {operation.tag}.")


def _build_twice(git: Git, reporter: Reporter, operation: Operation, tools: Tools) -> None:
    """The first of the two builds stays in dist/."""
    next_steps = ["fix it, then invoke continue; or undo the release: invoke abort"]
    names = build_twice(git, _uv(tools), operation.tag, git.root / DIST, next_steps)
    reporter.say(f"Built {', '.join(names)} twice, byte for byte the same (in {DIST}/).")


def _push(git: Git, reporter: Reporter, operation: Operation, remote: str) -> None:
    refs = [f"{operation.branch}:refs/heads/{operation.branch}", f"refs/tags/{operation.tag}"]
    result = git.run("push", "--atomic", "--quiet", remote, *refs, check=False)
    if not result.ok:
        raise WorkflowError(
            ExitCode.STOPPED,
            f"pushing {operation.branch} and {operation.tag} to {remote} failed (neither "
            f"landed): {failure_line(result)}",
            [
                "a temporary failure: invoke continue",
                f"{remote}/{operation.branch} moved on: invoke abort, then invoke release again",
            ],
        )
    reporter.say(f"Pushed {operation.branch} and {operation.tag} to {remote} together.")


def continue_release(
    git: Git, reporter: Reporter, operation: Operation, tools: Tools, remote: str
) -> None:
    """Finish the release; when origin already holds both, only clear the record."""
    if _landed(git, operation, remote, "continue the release"):
        clear_operation(git)
        reporter.say(f"{remote} already holds {operation.tag}; the release is finished.")
        return
    run_release_steps(git, reporter, operation, tools, remote)


def _landed(git: Git, operation: Operation, remote: str, action: str) -> bool:
    """Re-read origin: whether its main holds the release commit or it has the tag."""
    upstream = reread_remote_branch(git, remote, operation.branch, action)
    commit = _release_commit(git, operation)
    in_main = commit is not None and upstream is not None and git.is_ancestor(commit, upstream)
    return in_main or _remote_has_tag(git, remote, operation.tag)


def abort_release(git: Git, reporter: Reporter, operation: Operation, remote: str) -> None:
    """Undo a release origin does not hold yet: the tag, the release commit, the edited files."""
    if _landed(git, operation, remote, "abort the release"):
        raise WorkflowError(
            ExitCode.REFUSED,
            f"cannot abort: {remote} already holds {operation.tag}; finish the release with "
            "invoke continue",
        )
    commit = _release_commit(git, operation)
    tagged = git.rev(f"refs/tags/{operation.tag}")
    if tagged is not None and tagged == commit:
        git.run("tag", "--delete", operation.tag)
    if commit is not None and git.current_branch() == operation.branch:
        require_clean_tree(git, "abort the release")
        git.run("reset", "--quiet", "--keep", operation.head_before)
    elif commit is not None:
        ref = f"refs/heads/{operation.branch}"
        git.run("update-ref", "-m", "workflow: abort release", ref, operation.head_before, commit)
    elif git.current_branch() == operation.branch:
        _restore_release_files(git, operation.head_before)
    version = operation.tag.removeprefix(TAG_PREFIX)
    for built in (git.root / DIST).glob(f"*-{version}*"):
        if built.name.endswith(ARTIFACTS):
            built.unlink()
    clear_operation(git)
    reporter.say(
        f"Release {operation.tag} aborted; {operation.branch} is back at "
        f"{operation.head_before[:10]} and the tag is gone."
    )


def _restore_release_files(git: Git, head: str) -> None:
    """The release stopped before its commit: put back the files it edits."""
    for name in (CHANGELOG, "pyproject.toml", "uv.lock"):
        if git.succeeds("cat-file", "-e", f"{head}:{name}"):
            git.run("checkout", head, "--", name)
        elif not git.succeeds("ls-files", "--error-unmatch", "--", name):
            (git.root / name).unlink(missing_ok=True)
