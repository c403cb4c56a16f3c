"""The documentation cannot drift from the code: its snippets are run and its commands exist.

Every ```python block of README.md and .dev-guidelines/*.md is compiled and executed (a block
whose info string says ``python compile-only`` is only compiled: it shows code that must not
run, such as a relative import). Every nox session named with ``nox -s`` and every invoke task
in a sh/bash/shell/console block must appear in ``nox -l --json`` and ``invoke --list``."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = sorted([REPO_ROOT / "README.md", *(REPO_ROOT / ".dev-guidelines").glob("*.md")])
SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console"})
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    document: str
    line: int
    info: str
    text: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def fenced_blocks(text: str, document: str) -> list[Block]:
    """The fenced code blocks of a Markdown text (CommonMark fences: a closing fence uses the
    opening character at least as many times and has no info string)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None or ("`" in match.group("info") and match.group("fence")[0] == "`"):
            index += 1
            continue
        fence, start = match.group("fence"), index
        body: list[str] = []
        index += 1
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if (
                closing is not None
                and closing.group("fence")[0] == fence[0]
                and len(closing.group("fence")) >= len(fence)
                and not closing.group("info").strip()
            ):
                break
            body.append(lines[index])
            index += 1
        blocks.append(Block(document, start + 1, match.group("info").strip(), "\n".join(body)))
        index += 1
    return blocks


def all_blocks() -> list[Block]:
    return [
        block
        for path in DOCUMENTS
        for block in fenced_blocks(
            path.read_text(encoding="utf-8"), path.relative_to(REPO_ROOT).as_posix()
        )
    ]


def named_commands(block_text: str) -> tuple[list[str], list[str]]:
    """(nox sessions after ``-s``/``--session``, invoke tasks) named in a shell block."""
    sessions: list[str] = []
    tasks: list[str] = []
    for raw in block_text.splitlines():
        line = raw.split(" #", 1)[0].strip().removeprefix("$ ")
        if line.startswith("#"):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        for position, word in enumerate(words):
            rest = words[position + 1 :]
            if word == "nox":
                sessions.extend(_nox_sessions(rest))
            elif word in ("invoke", "inv"):
                task = next((w for w in rest if not w.startswith("-")), None)
                if task is not None:
                    tasks.append(task)
    return sessions, tasks


def _nox_sessions(words: list[str]) -> list[str]:
    names: list[str] = []
    taking = False
    for word in words:
        if word == "--":
            break
        if word in ("-s", "--session", "--sessions", "-e"):
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            names.append(word)
    return names


# Module-scoped fixtures, not module-level caches: the incremental gate gives what a wide
# fixture reads and runs to every test that uses it (docs/testing/gate.md).
@pytest.fixture(scope="module")
def nox_sessions() -> frozenset[str]:
    # `nox -l --json` alone lists only the default sessions; a keyword no session name contains
    # selects them all.
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "nox", "-l", "--json", "-k", "not no_session_is_named_this"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return frozenset({entry["session"] for entry in listed} | {entry["name"] for entry in listed})


@pytest.fixture(scope="module")
def invoke_tasks() -> frozenset[str]:
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "invoke", "--list", "--list-format", "json"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return frozenset(task["name"] for task in listed["tasks"])


PYTHON_BLOCKS = [block for block in all_blocks() if block.language == "python"]
SHELL_BLOCKS = [block for block in all_blocks() if block.language in SHELL_LANGUAGES]


def test_the_fence_parser_handles_nesting_and_tildes() -> None:
    text = "\n".join(
        [
            "````markdown",
            "```python",
            "inner = 1",
            "```",
            "````",
            "~~~sh",
            "nox -s lint",
            "~~~",
            "``not a fence``",
        ]
    )
    blocks = fenced_blocks(text, "doc.md")
    assert [(b.line, b.language, b.text) for b in blocks] == [
        (1, "markdown", "```python\ninner = 1\n```"),
        (6, "sh", "nox -s lint"),
    ]


def test_commands_are_found_in_shell_lines() -> None:
    text = "\n".join(
        [
            "uvx nox -s quality-3.12 lint   # a comment naming nox -s ghost",
            "nox -R -s tests -- -k tokenizer",
            "uv run invoke start-task tv-2026-11-28 --pick 3",
            "# nox -s commented-out",
            "invoke --list",
        ]
    )
    assert named_commands(text) == (["quality-3.12", "lint", "tests"], ["start-task"])


def test_the_documents_have_snippets_to_check() -> None:
    assert len(PYTHON_BLOCKS) >= 3
    assert len(SHELL_BLOCKS) >= 5


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=str)
def test_python_snippet_runs(block: Block) -> None:
    code = compile(block.text, str(block), "exec", dont_inherit=True)
    if "compile-only" not in block.info.split():
        exec(code, {"__name__": "__snippet__"})


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=str)
def test_shell_snippet_names_real_sessions_and_tasks(
    block: Block, nox_sessions: frozenset[str], invoke_tasks: frozenset[str]
) -> None:
    sessions, tasks = named_commands(block.text)
    assert [name for name in sessions if name not in nox_sessions] == []
    assert [name for name in tasks if name not in invoke_tasks] == []
