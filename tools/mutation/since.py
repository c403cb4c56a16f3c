"""``--since REV``: mutate only the lines changed since a git revision.

:func:`changed_modules` reads ``git diff --numstat REV`` (REV against the working tree, so
staged, unstaged and committed changes all count): a target with no added or changed line is
not run at all. In the others, cosmic-ray's own git filter (``[cosmic-ray.filters.git-filter]
branch = REV``) skips every mutant outside the changed lines, reading ``git diff`` in the
original repository with :data:`GIT_DIFF_CONFIG`. Deleted lines leave nothing to mutate; an
untracked file has no diff and is not selected.
"""

from __future__ import annotations

import os
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
