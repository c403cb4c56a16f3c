"""Stand-in files: dependencies that are not one file, written as files testmon can fingerprint.

- ``listings/<dir>-<hash>.txt``: the entries of one directory a test listed;
- ``tree.txt``: one line per file of the work tree with its content id, so it changes whenever
  anything changes (the dependency of a test that starts a process we cannot see into).

:func:`refresh` brings every stand-in up to date before testmon compares fingerprints.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from ml_playground.core.atomic_files import atomic_write_bytes
from tools.gate.file_deps import NOT_SOURCE

DEPS_DIR = ".cache/gate/deps"
TREE_FILE = f"{DEPS_DIR}/tree.txt"
LISTINGS_DIR = f"{DEPS_DIR}/listings"
_LISTING_HEADER = "listing of "


def listing_file(directory: str) -> str:
    """The stand-in file for the listing of ``directory`` (relative to the root)."""
    digest = hashlib.sha1(directory.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    readable = re.sub(r"[^\w.-]+", "_", directory)[:60]
    return f"{LISTINGS_DIR}/{readable}-{digest}.txt"


def listing_text(directory: str, names: Iterable[str]) -> str:
    """The directory, then its entries sorted, one a line (outputs and caches left out, so
    that running the tests does not change it)."""
    kept = sorted(name for name in names if name not in NOT_SOURCE)
    shown = [name.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for name in kept]
    return "".join(f"{line}\n" for line in [f"{_LISTING_HEADER}{directory}", *shown])


def listed_directory(text: str) -> str | None:
    """The directory a listing stand-in describes (its first line), or None."""
    first = text.split("\n", 1)[0]
    return first.removeprefix(_LISTING_HEADER) if first.startswith(_LISTING_HEADER) else None


def names_in(directory: Path) -> list[str]:
    try:
        return [path.name for path in directory.iterdir()]
    except OSError:
        return []


def write_if_changed(path: Path, text: str) -> None:
    """Replace ``path`` atomically when its content differs (an unchanged file keeps its mtime)."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)


def write_listing(root: Path, directory: str) -> str:
    """Write the listing stand-in of ``directory``; returns its relative path."""
    stand_in = listing_file(directory)
    write_if_changed(root / stand_in, listing_text(directory, names_in(root / directory)))
    return stand_in


def _git_z(root: Path, *args: str) -> list[str]:
    completed = subprocess.run(["git", *args, "-z"], cwd=root, capture_output=True, check=True)
    names = completed.stdout.split(b"\0")
    return [name.decode("utf-8", "surrogateescape") for name in names if name]


def tree_text(root: Path) -> str:
    """One line per file of the work tree (tracked, or untracked and not ignored): git's index
    id, or a fresh hash for a file that differs from the index."""
    entries: dict[str, str] = {}
    for line in _git_z(root, "ls-files", "--stage"):
        meta, _, name = line.partition("\t")
        entries[name] = meta.split()[1]
    for name in _git_z(root, "ls-files", "--modified", "--others", "--exclude-standard"):
        try:
            entries[name] = hashlib.sha1((root / name).read_bytes()).hexdigest()
        except OSError:
            entries[name] = "deleted"
    return "".join(f"{entries[name]} {name}\n" for name in sorted(entries))


def refresh(root: Path) -> None:
    """Bring ``tree.txt`` and every listing stand-in up to date with the work tree."""
    write_if_changed(root / TREE_FILE, tree_text(root))
    listings = root / LISTINGS_DIR
    for stand_in in sorted(listings.glob("*.txt")) if listings.is_dir() else []:
        directory = listed_directory(stand_in.read_text(encoding="utf-8", errors="replace"))
        if directory is not None:
            write_listing(root, directory)
