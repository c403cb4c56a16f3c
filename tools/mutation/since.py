"""``--since REV``: mutate only the lines changed since a git revision.

Two steps, both reading git without changing anything:

- :func:`changed_modules` reads ``git diff --numstat REV`` (REV against the working tree, so
  staged, unstaged and committed changes all count): a target whose module has no added or
  changed line is not run at all (no session, no baseline).
- In a target that has changes, cosmic-ray's own git filter (``cr-filter-git``, configured by
  ``[cosmic-ray.filters.git-filter] branch = REV``) records every mutant outside the changed
  lines as skipped; :func:`git_filter_command` is its command line. It runs ``git diff`` in the
  original repository, whose working tree is what the copies were made from.

Deleted lines leave nothing to mutate; a new, untracked file has no diff and is not selected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.process import failure_line, run

GIT_DIFF_CONFIG = {
    # cr-filter-git reads "+++ b/<path>" lines; these settings would change that prefix.
    "diff.noprefix": "false",
    "diff.mnemonicPrefix": "false",
    "color.ui": "false",
}


def git_config_env(base: dict[str, str]) -> dict[str, str]:
    """``base`` plus :data:`GIT_DIFF_CONFIG` as command-line-level git configuration."""
    env = dict(base)
    env["GIT_CONFIG_COUNT"] = str(len(GIT_DIFF_CONFIG))
    for index, (key, value) in enumerate(GIT_DIFF_CONFIG.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _git(repo: Path, *args: str) -> str:
    result = run(["git", *args], repo, git_config_env(dict(os.environ)))
    if not result.ok:
        raise MutationError(f"git {' '.join(args)} failed: {failure_line(result)}")
    return result.stdout


def resolve(repo: Path, rev: str) -> str:
    """The commit id of ``rev``; :class:`MutationError` when git does not know it."""
    try:
        commit = _git(
            repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
    except MutationError:
        raise MutationError(
            f"unknown revision {rev!r} (not a commit in {repo.as_posix()})"
        ) from None
    return commit.strip()


def changed_modules(repo: Path, rev: str, paths: Iterable[str]) -> set[str]:
    """The ``paths`` (repository-relative, ``/``-separated) with at least one added or changed
    line since ``rev`` in ``repo``."""
    resolve(repo, rev)
    output = _git(
        repo, "diff", "--no-ext-diff", "--no-renames", "--numstat", "-z", rev, "--", *paths
    )
    records = (record.split("\t", 2) for record in output.split("\0") if record)
    return {path for added, _, path in records if added not in ("0", "-")}


def git_filter_command(session: Path, config: Path) -> list[str]:
    """cosmic-ray's git filter on ``session``, reading the revision from ``config``."""
    return [
        sys.executable,
        "-m",
        "cosmic_ray.tools.filters.git",
        "--config",
        str(config),
        str(session),
    ]
