"""Bring the local main branch up to date with the remote, by fast-forward only."""

from __future__ import annotations

from enum import Enum

from tools.workflow.cli import ExitCode, Reporter, WorkflowError
from tools.workflow.repo.git import Git


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
            f"could not fetch from '{remote}' ({fetched.first_error_line}); "
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
