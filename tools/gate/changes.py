"""What changed: the work tree and the index against HEAD, untracked files included."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class ChangesError(Exception):
    """git could not say what changed (not a repository, git missing)."""


@dataclass(frozen=True)
class Change:
    path: str
    """POSIX path relative to the repository root."""
    exists: bool
    """False when the change deletes the file."""


def parse_status(output: bytes) -> list[str]:
    """The paths of ``git status --porcelain=v1 -z --no-renames`` output, in order."""
    paths: list[str] = []
    for entry in output.split(b"\0"):
        if len(entry) > 3:
            paths.append(entry[3:].decode("utf-8", "surrogateescape"))
    return paths


def working_changes(root: Path) -> list[Change]:
    """Every path that differs between HEAD and the index or the work tree, and every
    untracked file that is not ignored; a rename is its deletion plus its addition."""
    command = [
        "git",
        "status",
        "--porcelain=v1",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        "--ignore-submodules=none",
    ]
    try:
        completed = subprocess.run(command, cwd=root, capture_output=True, check=False)
    except OSError as error:
        raise ChangesError(f"git could not start: {error}") from error
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangesError(f"git status failed in {root}: {message[-1] if message else '?'}")
    return [
        Change(path=path, exists=(root / path).is_file())
        for path in sorted(set(parse_status(completed.stdout)))
    ]
