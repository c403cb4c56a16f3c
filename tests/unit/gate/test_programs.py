"""Recognising Python command lines: what they run and whether sitecustomize starts in them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.gate.programs import (
    PythonCommand,
    is_python,
    parse_python_command,
    read_text,
    runs_python,
    untraced_python,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["python", "-m", "tools.x", "--flag"], PythonCommand(module="tools.x")),
        (["python3", "-u", "-W", "error", "-mtools.y"], PythonCommand(module="tools.y")),
        (["python", "-c", "import os"], PythonCommand(code="import os")),
        (["python", "-cprint(1)"], PythonCommand(code="print(1)")),
        (["python", "-X", "utf8", "script.py", "-m"], PythonCommand(script="script.py")),
        (["python", "-"], None),
        (["python", "-u"], None),
    ],
)
def test_the_target_of_a_python_command_line(
    argv: list[str], expected: PythonCommand | None
) -> None:
    assert parse_python_command(argv) == expected


@pytest.mark.parametrize(
    ("argv", "untraced"),
    [
        (["python", "-S", "-m", "x"], True),
        (["python", "-W", "error", "-I", "x.py"], True),
        (["python", "-uE", "-c", "pass"], True),
        (["python", "-W", "ignore", "-m", "S"], False),
        (["python", "-m", "mod", "-S"], False),
        (["python", "script.py", "-I"], False),
        (["python", "--version"], False),
    ],
)
def test_site_and_environment_switches_are_found_before_the_target(
    argv: list[str], untraced: bool
) -> None:
    assert untraced_python(argv) is untraced


def test_interpreters_are_known_by_name_or_by_their_shebang(tmp_path: Path) -> None:
    assert is_python(sys.executable)
    assert is_python("/usr/bin/python3.11")
    assert not is_python("/usr/bin/git")
    script = tmp_path / "tool"
    script.write_text("#!/venv/bin/python\nprint(1)\n", encoding="utf-8")
    script.chmod(0o755)
    shell = tmp_path / "other"
    shell.write_text("#!/bin/sh\necho\n", encoding="utf-8")
    shell.chmod(0o755)
    assert runs_python("tool", str(tmp_path))
    assert not runs_python("other", str(tmp_path))
    assert not runs_python("missing-program", str(tmp_path))


def test_read_text_gives_none_for_what_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"x = '\xff'\n")
    assert read_text(str(tmp_path / "a.py")) == "x = '\ufffd'\n"
    assert read_text(str(tmp_path / "missing.py")) is None
