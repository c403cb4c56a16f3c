"""Recognising a Python process from its command line: what it runs, and whether the
``sitecustomize`` of a traced process can start in it."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?(\.exe)?$")
_FLAGS_WITH_VALUE = frozenset({"-W", "-X", "-Q"})


def is_python(program: str) -> bool:
    return program == sys.executable or bool(_PYTHON_NAME.search(Path(program).name))


@dataclass(frozen=True)
class PythonCommand:
    """What a ``python ...`` command line runs: a module, inline code, or a script path."""

    module: str | None = None
    code: str | None = None
    script: str | None = None


def parse_python_command(args: Sequence[str]) -> PythonCommand | None:
    """The target of ``python [options] (-m MOD | -c CODE | SCRIPT) ...``; None when it runs
    nothing we can name (an interactive interpreter, stdin)."""
    index = 1
    while index < len(args):
        arg = args[index]
        if arg == "-m" and index + 1 < len(args):
            return PythonCommand(module=args[index + 1])
        if arg == "-c" and index + 1 < len(args):
            return PythonCommand(code=args[index + 1])
        if arg.startswith("-m") and len(arg) > 2:
            return PythonCommand(module=arg[2:])
        if arg.startswith("-c") and len(arg) > 2:
            return PythonCommand(code=arg[2:])
        if arg in _FLAGS_WITH_VALUE:
            index += 2
            continue
        if arg == "-" or not arg.startswith("-"):
            return None if arg == "-" else PythonCommand(script=arg)
        index += 1
    return None


def untraced_python(args: Sequence[str]) -> bool:
    """Does ``python [options] ...`` skip ``site`` or the environment (``-S``, ``-I``, ``-E``),
    so that the dependency logging in ``sitecustomize`` never starts?"""
    index = 1
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-") or arg.startswith("--") or arg[:2] in ("-m", "-c"):
            return False
        if set(arg[1:]) & {"S", "I", "E"}:
            return True
        index += 2 if arg in _FLAGS_WITH_VALUE else 1
    return False


def read_text(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def runs_python(program: str, search_path: str | None) -> bool:
    """Is ``program`` a Python interpreter, or a script whose ``#!`` line names one?"""
    if is_python(program):
        return True
    found = shutil.which(program, path=search_path)
    if found is None:
        return False
    try:
        with Path(found).open("rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first
