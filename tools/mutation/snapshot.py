"""Copies of the working tree for cosmic-ray to mutate, so the real one is never touched.

cosmic-ray writes each mutant into the module file on disk and restores it after the test
run. Run in the repository itself, a crash, a kill or Ctrl-C between the two would leave a
mutant in the source. So every worker gets its own copy of the working tree in a temporary
directory: the files git tracks or would track (``git ls-files --cached --others
--exclude-standard``: uncommitted edits and new files included, ignored files such as
``.venv`` and ``.cache`` left out), with their modification times (``shutil.copy2``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from tools.mutation.errors import MutationError
from tools.process import failure_line, run


def repository_files(repo: Path) -> list[str]:
    """Repository-relative paths of the working tree's files (tracked or untracked, not
    ignored), sorted; tracked files deleted from the working tree are left out."""
    result = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], repo)
    if not result.ok:
        cause = failure_line(result)
        raise MutationError(f"cannot list the files of {repo.as_posix()}: {cause}")
    names = {name for name in result.stdout.split("\0") if name}
    return sorted(name for name in names if (repo / name).is_file() or (repo / name).is_symlink())


def copy_files(repo: Path, files: Iterable[str], destination: Path) -> None:
    """Copy ``files`` (relative to ``repo``) to the same places under ``destination``."""
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(repo / name, target, follow_symlinks=False)
        except OSError as exc:
            raise MutationError(f"cannot copy {name} ({exc})") from None
