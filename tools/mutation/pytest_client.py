"""The test command of every mutant: pytest on the tests that execute the mutated lines.

Usage (written into cosmic-ray's config by :mod:`tools.mutation.run`)::

    python -S CLIENT --pristine PRISTINE --map DIR
        --timeout-factor F --min-timeout S --budget B -- PYTEST_ARGS

In a worker's copy, where cosmic-ray has just written one mutant, it finds the mutated module
and lines against the untouched copy ``PRISTINE``, picks their tests from the map
(:func:`select_tests`, :func:`within_budget`, then :data:`RECHECK`) and prints :data:`KILLED`
when one fails or the run times out; docs/testing/mutation.md. Standard library only, started
with ``-S`` from a copy outside every worker's, so a mutant of this file never judges itself.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SOCKET_NAME = ".pytest-fork-server.sock"
"""In the worker's copy, named relative to it: a Unix socket's path may hold only about 100
bytes, which a copy in a long temporary directory (macOS's) would take up."""
LENGTH_BYTES = 8
INDEX_NAME = "index.json"
TIMED_OUT = 124
KILLING_STATUSES = (1, 2)
"""pytest's exit statuses for a failed test and for a test that could not be collected."""
RECHECK = 10
"""A survivor is run again on the next tests of its lines that fit in this many budgets."""
KILLED = "mutation: killed"
"""The line that makes a failed run a kill (on stdout, which cosmic-ray records)."""


def map_file(directory: Path, module: str) -> Path:
    return directory / (module.replace("/", ".") + ".json")


def changed_lines(original: str, mutated: str) -> list[int]:
    """The 1-based lines of ``original`` that ``mutated`` replaces or deletes (for an
    insertion, the lines on both sides of it)."""
    matcher = difflib.SequenceMatcher(
        None, original.splitlines(), mutated.splitlines(), autojunk=False
    )
    lines: set[int] = set()
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag != "equal":
            lines.update(range(start + 1, end + 1) if end > start else (start, start + 1))
    return sorted(lines)


def find_mutant(copy: Path, pristine: Path, modules: Sequence[str]) -> tuple[str, list[int]]:
    """The module of ``copy`` that differs from ``pristine`` and its changed lines; ``("",
    [])`` when none does."""
    for module in modules:
        here, there = (copy / module).stat(), (pristine / module).stat()
        if (here.st_size, here.st_mtime_ns) == (there.st_size, there.st_mtime_ns):
            continue
        original = (pristine / module).read_text(encoding="utf-8")
        mutated = (copy / module).read_text(encoding="utf-8")
        if original != mutated:
            return module, changed_lines(original, mutated)
    return "", []


def select_tests(
    tests: Sequence[tuple[str, float]],
    by_line: dict[str, list[int]],
    lines: Sequence[int],
    stem: str = "",
    budget: float = math.inf,
) -> list[tuple[str, float]]:
    """Of a module's ``tests`` (fastest first), those that executed any of ``lines``
    (``by_line``: line -> test indexes). When one of the lines was executed by none (it ran at
    import), all of them, those of the module ``stem``'s own test file (``test_<stem>``) that
    fit in ``budget`` first: they are the likeliest to read what the import made."""
    found = [by_line.get(str(line)) or [] for line in lines]
    if all(found):
        return [tests[i] for i in sorted({i for indexes in found for i in indexes})]
    own = f"test_{stem}"
    return sorted(tests, key=lambda t: Path(t[0].partition("::")[0]).stem != own or t[1] > budget)


def within_budget(tests: Sequence[tuple[str, float]], budget: float) -> list[tuple[str, float]]:
    """The first of ``tests`` (in the order :func:`select_tests` gives) whose recorded seconds
    add up to at most ``budget``, and at least the first: a slow end-to-end test is run only
    when no faster test executes the line."""
    chosen: list[tuple[str, float]] = []
    spent = 0.0
    for test, seconds in tests:
        if chosen and spent + seconds > budget:
            break
        chosen.append((test, seconds))
        spent += seconds
    return chosen


@functools.cache
def read_module_map(directory: Path, module: str) -> Any:
    """A module's map, read once per process: weighing shards asks for it once per mutant."""
    return json.loads(map_file(directory, module).read_text(encoding="utf-8"))


def pick_tests(
    directory: Path, module: str, lines: Sequence[int], budget: float
) -> list[tuple[str, float, float]]:
    """The tests that one mutant of ``module`` on ``lines`` is judged by, from the map in
    ``directory``, each with its recorded CPU and wall seconds. The CPU seconds choose them (a
    loaded machine hardly changes them); the wall seconds set the timeout (a test that waits
    takes its time however little CPU it uses)."""
    module_map = read_module_map(directory, module)
    rows = [(str(test), float(cpu), float(wall)) for test, cpu, wall in module_map["tests"]]
    wall_of = {test: wall for test, _, wall in rows}
    known = [(test, cpu) for test, cpu, _ in rows]
    chosen = select_tests(known, module_map["lines"], lines, Path(module).stem, budget)
    return [(test, cpu, wall_of[test]) for test, cpu in within_budget(chosen, budget)]


def request_bytes(args: Sequence[str], cwd: str, env: dict[str, str]) -> bytes:
    payload = json.dumps({"args": list(args), "cwd": cwd, "env": env}).encode()
    return len(payload).to_bytes(LENGTH_BYTES, "big") + payload


def run_on_server(
    path: Path, args: Sequence[str], timeout: float, out: int, cwd: Path | None = None
) -> int | None:
    """The exit status of the test run in ``cwd`` (default: the current directory) on the
    server at ``path``, its output to ``out`` (:data:`TIMED_OUT` after ``timeout`` seconds);
    None when there is no server or it did not run the request."""
    where = cwd or Path.cwd()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with connection:
        try:
            connection.connect(str(path))
        except OSError:
            return None
        data = request_bytes(args, str(where), environment_for(where))
        try:
            socket.send_fds(connection, [data], [0, out, out])
            connection.settimeout(timeout)
            reply = connection.makefile("r", encoding="utf-8").readline()
        except TimeoutError:
            return TIMED_OUT
        except OSError:
            return None
    if reply.startswith("exit "):
        return int(reply.split()[1])
    return None


def environment_for(where: Path | None = None) -> dict[str, str]:
    """This environment with ``where`` (default: the current directory, the worker's copy)
    first on ``PYTHONPATH``: every Python process a test starts imports the project from that
    copy, not from wherever an editable install points."""
    env = dict(os.environ)
    first = str(where or Path.cwd())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (first, env.get("PYTHONPATH")) if p)
    return env


def run_plain(args: Sequence[str], timeout: float, out: int, cwd: Path | None = None) -> int:
    """``python -m pytest ARGS`` in a new process (with site-packages) in ``cwd``, to ``out``."""
    command = [sys.executable, "-m", "pytest", *args]
    try:
        return subprocess.run(
            command, cwd=cwd, env=environment_for(cwd), stdout=out, stderr=out, timeout=timeout
        ).returncode
    except subprocess.TimeoutExpired:
        return TIMED_OUT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pytest_client.py")
    parser.add_argument("--pristine", type=Path, required=True)
    parser.add_argument("--map", type=Path, required=True)
    parser.add_argument("--timeout-factor", type=float, required=True)
    parser.add_argument("--min-timeout", type=float, required=True)
    parser.add_argument("--budget", type=float, required=True)
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args(argv)
    index = json.loads((args.map / INDEX_NAME).read_text(encoding="utf-8"))
    module, lines = find_mutant(Path.cwd(), args.pristine, index["modules"])
    if not module:
        print("mutation: no module differs from the pristine copy; nothing to test")
        return 0
    tests = pick_tests(args.map, module, lines, args.budget)
    print(f"mutation: {module} lines {lines}: {len(tests)} test(s)")
    status = judge(tests, args) if tests else 0
    more = pick_tests(args.map, module, lines, RECHECK * args.budget)[len(tests) :]
    if more and not status:
        print(f"mutation: it survived them; {len(more)} more test(s) in {RECHECK} budgets")
        status = judge(more, args)
    return status


def judge(tests: Sequence[tuple[str, float, float]], args: argparse.Namespace) -> int:
    """Run ``tests`` on the mutant and print the :func:`verdict`; its status."""
    timeout = args.min_timeout + args.timeout_factor * sum(wall for _, _, wall in tests)
    pytest_args = [*args.pytest_args, "-x", *(test for test, _, _ in tests)]
    status = run_tests(pytest_args, timeout)
    if status in (0, TIMED_OUT, *KILLING_STATUSES):
        return verdict(status, timeout)
    print(f"mutation: pytest exited with {status}; the same run on the pristine copy:")
    return verdict(status, timeout, run_tests(pytest_args, timeout, args.pristine))


def run_tests(args: Sequence[str], timeout: float, cwd: Path | None = None) -> int:
    """pytest's status on the worker's fork server, or in a process of its own without one.
    Its output goes to a file, copied to stdout when the run ends: a process a test left
    running may hold the file, never the pipe the worker reads to its end (it would wait)."""
    with tempfile.TemporaryFile() as output:
        status = run_on_server(Path(SOCKET_NAME), args, timeout, output.fileno(), cwd)
        if status is None:
            status = run_plain(args, timeout, output.fileno(), cwd)
        output.seek(0)
        sys.stdout.flush()
        shutil.copyfileobj(output, sys.stdout.buffer)
    return status


def verdict(status: int, timeout: float, control: int | None = None) -> int:
    """Print whether the run killed the mutant and return the command's status. A failed or
    uncollectable test (pytest's 1 and 2) or the timeout kill it; another failure (pytest's
    usage or internal error, which a mutant of a module pytest imports can cause) kills it only
    when the same run passes on the pristine copy (``control`` is its status). Without the
    :data:`KILLED` line a failed run counts as no verdict (:mod:`tools.mutation.results`)."""
    if status == TIMED_OUT:
        print(f"{KILLED}: timed out after {timeout:.0f} s")
    elif status in KILLING_STATUSES:
        print(f"{KILLED}: pytest exited with {status}")
    elif status and control == 0:
        print(f"{KILLED}: pytest exited with {status}, and with 0 unmutated")
    elif status:
        print(f"mutation: no verdict: pytest exited with {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
