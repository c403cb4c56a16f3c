"""What a test depends on besides the Python lines it runs: the pure rules behind
:mod:`tools.gate.pytest_deps`.

pytest-testmon records, per test, the blocks of Python code the test process executed. A test
also depends on files it reads as data (README code blocks, ``.githooks``, TOML experiments,
fixtures), on the directories it lists (a new file there changes what it sees), and on what
the processes it starts run and read. These functions turn the audit events of one test into
such dependencies, expressed as files relative to the repository root.
"""

# String paths and os.path on purpose: the audit hook sees every open() of a test run.
# ruff: noqa: PTH112, PTH118, PTH206

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tools.gate.import_graph import PROJECT_PACKAGES, imported_modules, module_for_path
from tools.gate.programs import is_python, parse_python_command

NOT_SOURCE = frozenset(
    {
        ".cache",
        ".git",
        ".hypothesis",
        ".mypy_cache",
        ".nox",
        ".pytest_cache",
        ".ruff_cache",
        ".venv",
        "__pycache__",
        "build",
        "dist",
        "out",
    }
)
"""Names of directories holding outputs and caches, never inputs a test reads as source."""
_MODULE_NAME = re.compile(r"^(ml_playground|tools|tests)(\.\w+)+$")


@dataclass
class Deps:
    """The dependencies of one test (or collector) beyond traced Python lines."""

    files: set[str] = field(default_factory=lambda: set[str]())
    """Repository files read, relative POSIX paths."""
    listings: set[str] = field(default_factory=lambda: set[str]())
    """Repository directories listed, relative POSIX paths ('.' for the root)."""
    modules: set[str] = field(default_factory=lambda: set[str]())
    """Project modules run outside this process (whole files, with what they import)."""
    opaque: bool = False
    """Something was started whose inputs cannot be known: depends on the whole tree."""
    lines: dict[str, set[int]] = field(default_factory=lambda: dict[str, set[int]]())
    """Lines of project files run while the test's module was imported."""

    def update(self, other: Deps) -> None:
        for relative, found in other.lines.items():
            self.lines.setdefault(relative, set()).update(found)
        self.files |= other.files
        self.listings |= other.listings
        self.modules |= other.modules
        self.opaque = self.opaque or other.opaque


def repo_relative(path: str, root: str) -> str | None:
    """``path`` (absolute, normalized) as a POSIX path below ``root``, or None when it is
    outside the root or inside an output or cache directory."""
    if path == root:
        return "."
    if not path.startswith(root + os.sep):
        return None
    parts = path[len(root) + 1 :].split(os.sep)
    if any(part in NOT_SOURCE for part in parts):
        return None
    return "/".join(parts)


def project_modules(names: Iterable[str]) -> set[str]:
    return {name for name in names if name.split(".", 1)[0] in PROJECT_PACKAGES}


def process_deps(
    args: Sequence[str], cwd: str, root: str, read_text: Callable[[str], str | None]
) -> Deps:
    """What a started process depends on. A process working inside the repository, or one we
    cannot see into, is opaque; a Python process elsewhere depends on the project modules it
    runs (and what they import); every argument naming a repository file is read by it."""
    deps = Deps()
    if repo_relative(cwd, root) is not None or not args:
        deps.opaque = True
        return deps
    for arg in args[1:]:
        if _MODULE_NAME.match(arg):
            deps.modules.add(arg)
        relative = repo_relative(os.path.normpath(os.path.join(cwd, arg)), root)
        if relative is None or not os.path.lexists(os.path.join(root, relative)):
            continue
        if os.path.isdir(os.path.join(root, relative)):
            deps.opaque = True
        else:
            deps.files.add(relative)
            module = module_for_path(relative)
            if module is not None:
                deps.modules.add(module)
    if not is_python(args[0]):
        return deps
    command = parse_python_command(args)
    source: str | None = None
    if command is None:
        deps.opaque = True
    elif command.module is not None:
        deps.modules |= project_modules([command.module])
    elif command.code is not None:
        source = command.code
    elif command.script is not None:
        script = os.path.normpath(os.path.join(cwd, command.script))
        source = read_text(script)
        if source is None:
            deps.opaque = True
    if source is not None:
        try:
            deps.modules |= project_modules(imported_modules(source))
        except (SyntaxError, ValueError):
            deps.opaque = True
    return deps
