"""Check the wheel that ``uv build`` wrote: what a user installs must be complete and importable.

The ``build`` nox session runs this after ``uv build``. It installs the wheel (with the locked
dependency versions) into a fresh virtual environment outside the source tree and checks that

* every directory of the package in the source tree (namespace packages included) is in the
  wheel and importable from the installed wheel, not from the checkout;
* every module and experiment TOML file of the source tree is in the wheel;
* ``python -m ml_playground.cli --version`` reports the version in ``pyproject.toml``;
* nothing but the package and its metadata is in the wheel (in particular no ``tests/`` or
  ``tools/``).

The decisions are pure functions over lists of names; the edges gather those lists (git or the
file system, the wheel's zip directory, a probe run inside the fresh environment).

Usage: ``python -m tools.nox_support.build_check [--dist DIR] [--project DIR]``.
Exit codes: 0 the wheel passed, 1 it did not (every finding is printed), 2 the check could not run.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import cast

PACKAGE = "ml_playground"
CLI_MODULE = f"{PACKAGE}.cli"
NEVER_IN_WHEEL = ("tests", "tools")
CHECKED_SUFFIXES = (".py", ".toml")
"""Source files that must reach the wheel one for one: modules and experiment configurations."""

_PROBE = """
import importlib, json, sys
found = {}
for name in json.loads(sys.argv[1]):
    try:
        module = importlib.import_module(name)
    except Exception as error:
        found[name] = {"error": type(error).__name__ + ": " + str(error), "paths": []}
    else:
        paths = list(getattr(module, "__path__", [])) or [getattr(module, "__file__", None) or ""]
        found[name] = {"error": "", "paths": [str(path) for path in paths]}
print(json.dumps(found))
"""
"""Run by the fresh environment's interpreter: import each module, report where it came from."""


class CheckError(Exception):
    """The check itself could not run (no wheel, uv failed): not a finding about the wheel."""


@dataclass(frozen=True)
class ProjectInfo:
    name: str
    version: str


@dataclass(frozen=True)
class WheelReport:
    """The outcome of :func:`check_wheel`: the findings, empty when the wheel passed."""

    wheel: str
    findings: list[str]
    packages: int
    experiment_files: int
    version: str


@dataclass(frozen=True)
class ImportResult:
    """What the probe saw for one module: an error text, or the paths it was loaded from."""

    error: str
    paths: tuple[str, ...]


# --- pure core -------------------------------------------------------------------------------


def project_info(pyproject_text: str) -> ProjectInfo:
    """Name and version from the text of ``pyproject.toml`` (a static version is required)."""
    data = tomllib.loads(pyproject_text)
    project = data.get("project")
    if not isinstance(project, dict):
        raise CheckError("pyproject.toml has no [project] table")
    table = cast("dict[str, object]", project)
    name, version = table.get("name"), table.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        raise CheckError("pyproject.toml [project] needs a static name and version")
    return ProjectInfo(name=name, version=version)


def wheel_prefix(info: ProjectInfo) -> str:
    """The start of the project's wheel file names (the name normalized as wheels spell it)."""
    return f"{re.sub(r'[-_.]+', '_', info.name).lower()}-{info.version}-"


def select_wheel(file_names: Iterable[str], info: ProjectInfo) -> str | None:
    """The wheel of this project and version among ``file_names``, or None."""
    prefix = wheel_prefix(info)
    wheels = sorted(n for n in file_names if n.startswith(prefix) and n.endswith(".whl"))
    return wheels[0] if wheels else None


def package_files(source_files: Iterable[str], package: str = PACKAGE) -> list[str]:
    """The POSIX paths below ``package/``, without caches and hidden entries, sorted."""
    kept: set[str] = set()
    for raw in source_files:
        path = PurePosixPath(raw)
        parts = path.parts
        if len(parts) < 2 or parts[0] != package:
            continue
        if any(part == "__pycache__" or part.startswith(".") for part in parts):
            continue
        if path.suffix in {".pyc", ".pyo"}:
            continue
        kept.add(path.as_posix())
    return sorted(kept)


def package_modules(files: Iterable[str], package: str = PACKAGE) -> list[str]:
    """Dotted names of ``package`` and of every directory below it that holds a file.

    Under PEP 420 every such directory is a package (a namespace package when it has no
    ``__init__.py``), so each must be importable from the installed wheel.
    """
    modules: set[str] = set()
    for file in package_files(files, package):
        directory = PurePosixPath(file).parent
        while directory.parts:
            modules.add(".".join(directory.parts))
            directory = directory.parent
    return sorted(modules)
