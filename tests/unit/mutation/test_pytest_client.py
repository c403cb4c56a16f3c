"""The test command of every mutant: finding the mutated module and lines, choosing its tests
from the map, and running them (here without a fork server: ``python -m pytest``; or on a
stand-in for the server, in a thread, where the order of the output is the point).

The copies are real directories under ``tmp_path``: a pristine one and a worker's copy in which
a module is changed as cosmic-ray changes it. :func:`main` runs in this process, in the worker's
copy, with a map written by hand; the test runs it starts write to this process's descriptors.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import WAIT_SECONDS, read_until_eof, write_map
from tools.mutation.pytest_client import (
    LENGTH_BYTES,
    SOCKET_NAME,
    TIMED_OUT,
    changed_lines,
    find_mutant,
    main,
    map_file,
    pick_tests,
    read_module_map,
    request_bytes,
    run_plain,
    select_tests,
    verdict,
    within_budget,
)
from tools.mutation.pytest_client import environment_for as environment_of_tests
from tools.mutation.pytest_server import read_request

pytestmark = pytest.mark.unit

ORIGINAL = "a\nb\nc\nd\n"


def test_a_replaced_line_is_changed() -> None:
    assert changed_lines(ORIGINAL, "a\nB\nc\nd\n") == [2]
    assert changed_lines(ORIGINAL, "a\nB\nC\nd\n") == [2, 3]
    assert changed_lines(ORIGINAL, "A\nb\nc\nD\n") == [1, 4]


def test_a_deleted_line_is_changed() -> None:
    assert changed_lines(ORIGINAL, "a\nc\nd\n") == [2]


def test_an_inserted_line_changes_both_of_its_neighbours() -> None:
    assert changed_lines(ORIGINAL, "a\nb\nX\nc\nd\n") == [2, 3]


def test_a_line_repeated_through_a_long_module_is_matched_like_any_other() -> None:
    # From 200 lines on, difflib's autojunk would take a line found this often for noise
    # and report every repeat of it as changed.
    head = "".join(f"x{i} = {i}\n" for i in range(200))
    original = head + "c = 0\n" + "pass\n" * 4
    assert changed_lines(original, head + "c = 1\n" + "pass\n" * 4) == [201]


def test_the_same_text_changes_nothing() -> None:
    assert changed_lines(ORIGINAL, ORIGINAL) == []


def same_stat(copy: Path, pristine: Path) -> None:
    """Give ``copy`` the modification time of ``pristine``, as a copy of the tree has it."""
    stat = pristine.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    """A pristine tree and a worker's copy of it (same sizes and modification times)."""
    pristine, copy = tmp_path / "pristine", tmp_path / "copy"
    for tree in (pristine, copy):
        (tree / "pkg").mkdir(parents=True)
    for name, text in [
        ("pkg/a.py", "x = 1\n"),
        ("pkg/b.py", "def f():\n    return 1\n"),
        ("pkg/c.py", "y = 2\nz = 3\n"),
    ]:
        (pristine / name).write_text(text)
        shutil.copy2(pristine / name, copy / name)
    return copy, pristine


MODULES = ["pkg/a.py", "pkg/b.py", "pkg/c.py"]


def test_the_changed_module_is_found_with_its_lines(trees: tuple[Path, Path]) -> None:
    copy, pristine = trees
    assert find_mutant(copy, pristine, MODULES) == ("", [])

    (copy / "pkg" / "c.py").write_text("y = 2\nz = 4\n")

    assert find_mutant(copy, pristine, MODULES) == ("pkg/c.py", [2])


def test_a_module_of_the_same_size_and_time_is_not_read(trees: tuple[Path, Path]) -> None:
    copy, pristine = trees
    # Another text of the same size with the same time: taken as unchanged, never read.
    (copy / "pkg" / "a.py").write_text("x = 2\n")
    same_stat(copy / "pkg" / "a.py", pristine / "pkg" / "a.py")
    (copy / "pkg" / "b.py").write_text("def f():\n    return 2\n")

    assert find_mutant(copy, pristine, MODULES) == ("pkg/b.py", [2])


def test_a_module_rewritten_with_its_own_text_is_no_mutant(trees: tuple[Path, Path]) -> None:
    copy, pristine = trees
    # cosmic-ray writes the original text back after each mutant: same size, a new time.
    (copy / "pkg" / "a.py").write_text("x = 1\n")
    os.utime(copy / "pkg" / "a.py", ns=(0, pristine.joinpath("pkg/a.py").stat().st_mtime_ns + 1))
    assert (copy / "pkg" / "a.py").stat().st_size == (pristine / "pkg" / "a.py").stat().st_size

    assert find_mutant(copy, pristine, MODULES) == ("", [])

    (copy / "pkg" / "c.py").write_text("y = 2\n")
    assert find_mutant(copy, pristine, MODULES) == ("pkg/c.py", [2])


TESTS = [("t.py::fast", 0.1), ("t.py::middle", 0.5), ("t.py::slow", 2.0)]
BY_LINE = {"3": [2], "4": [0, 2], "7": [1], "9": []}


def test_the_tests_of_the_changed_lines_are_chosen_in_index_order() -> None:
    assert select_tests(TESTS, BY_LINE, [3]) == [("t.py::slow", 2.0)]
    assert select_tests(TESTS, BY_LINE, [3, 4]) == [("t.py::fast", 0.1), ("t.py::slow", 2.0)]
    assert select_tests(TESTS, BY_LINE, [7, 4]) == TESTS
    assert select_tests(TESTS, BY_LINE, []) == []


def test_a_line_that_no_test_executed_chooses_every_test() -> None:
    assert select_tests(TESTS, BY_LINE, [3, 5]) == TESTS
    assert select_tests(TESTS, BY_LINE, [9]) == TESTS
    assert select_tests([], {}, [1]) == []


def test_cpu_seconds_choose_the_tests_and_wall_seconds_come_with_them(tmp_path: Path) -> None:
    """A test that waits (little CPU, long wall time) fits the budget, and its wall seconds,
    which set the timeout, come with it."""
    rows = [["t.py::waits", 0.01, 30.0], ["t.py::works", 1.0, 1.2], ["t.py::heavy", 5.0, 5.5]]
    data = {"tests": rows, "lines": {"3": [0, 1, 2], "4": [2]}}
    (tmp_path / "pkg.a.py.json").write_text(json.dumps(data), encoding="utf-8")

    assert pick_tests(tmp_path, "pkg/a.py", [3], budget=1.5) == [
        ("t.py::waits", 0.01, 30.0),
        ("t.py::works", 1.0, 1.2),
    ]
    assert pick_tests(tmp_path, "pkg/a.py", [4], budget=1.5) == [("t.py::heavy", 5.0, 5.5)]


CALC = "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n"
TEST_CALC = (
    "from calc import double, half\n\n\ndef test_double():\n    assert double(3) == 6\n\n\n"
    "def test_half():\n    assert half(4) == 2\n"
)
WAIT = "def wait(path):\n    with open(path) as fifo:\n        return fifo.read()\n"
TEST_WAIT = "from wait import wait\n\n\ndef test_wait():\n    assert wait('block.fifo') == ''\n"
"""A test that blocks: it opens a named pipe that nobody ever opens for writing."""
PYTEST_ARGS = ["--", "-q", "-p", "no:cacheprovider"]


@pytest.fixture
def worker_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A worker's copy (the current directory) and the client's arguments up to ``--``."""
    pristine, copy = tmp_path / "pristine", tmp_path / "copy"
    pristine.mkdir()
    for name, text in [
        ("calc.py", CALC),
        ("other.py", "VALUE = 1\n"),
        ("wait.py", WAIT),
        ("test_calc.py", TEST_CALC),
        ("test_wait.py", TEST_WAIT),
    ]:
        (pristine / name).write_text(text)
    shutil.copytree(pristine, copy)
    os.mkfifo(copy / "block.fifo")
    map_dir = write_map(
        tmp_path / "map",
        {
            "calc.py": (
                [("test_calc.py::test_half", 0.01), ("test_calc.py::test_double", 0.02)],
                {2: [1], 6: [0]},
            ),
            "other.py": ([], {}),
            "wait.py": ([("test_wait.py::test_wait", 1.0)], {2: [0], 3: [0]}),
        },
    )
    monkeypatch.chdir(copy)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    options = ["--pristine", str(pristine), "--map", str(map_dir)]
    return copy, [*options, "--timeout-factor", "1", "--min-timeout", "60", "--budget", "60"]


def test_the_tests_of_the_mutated_lines_judge_the_mutant(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "calc.py").write_text(CALC.replace("2 * x", "2 + x"))

    assert main([*options, *PYTEST_ARGS]) == 1

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert "assert 5 == 6" in out
    assert "1 failed in" in out  # test_half was not run


def test_a_mutant_that_the_chosen_tests_miss_survives(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "calc.py").write_text(CALC.replace("x / 2", "x // 2"))

    assert main([*options, *PYTEST_ARGS]) == 0

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [6]: 1 test(s)\n")
    assert "1 passed in" in out  # test_double was not run
    assert "pristine" not in out  # a passing run is not run again unmutated


@pytest.mark.parametrize(("double_seconds", "status"), [(2.25, 1), (2.5, 0)])
def test_a_survivor_is_run_again_on_the_next_tests_that_fit_in_ten_budgets(
    worker_copy: tuple[Path, list[str]],
    capfd: pytest.CaptureFixture[str],
    double_seconds: float,
    status: int,
) -> None:
    """test_half, the faster, misses a mutant of double; test_double kills it when both add up
    to ten budgets (0.25 s each), and is not run when they add up to eleven."""
    copy, options = worker_copy
    tests = [("test_calc.py::test_half", 0.25), ("test_calc.py::test_double", double_seconds)]
    map_dir = write_map(copy.parent / "slow-map", {"calc.py": (tests, {2: [0, 1]})})
    options[options.index("--map") + 1] = str(map_dir)
    options[options.index("--budget") + 1] = "0.25"
    (copy / "calc.py").write_text(CALC.replace("2 * x", "2 + x"))

    assert main([*options, *PYTEST_ARGS]) == status

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert ("1 more test(s) in 10 budgets\n" in out) is bool(status)
    last = "mutation: killed: pytest exited with 1" if status else "1 passed in"
    assert out.splitlines()[-1].startswith(last)


def test_a_line_outside_the_map_runs_every_test_of_the_module(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "calc.py").write_text(CALC.replace("def half(x):", "def half(x=0):"))

    assert main([*options, *PYTEST_ARGS]) == 0

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [5]: 2 test(s)\n")
    assert "2 passed in" in out


def test_without_a_mutated_module_nothing_runs(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    _, options = worker_copy
    assert main([*options, *PYTEST_ARGS]) == 0
    out, _ = capfd.readouterr()
    assert out == "mutation: no module differs from the pristine copy; nothing to test\n"


def test_a_mutant_of_a_module_without_tests_survives_at_once(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "other.py").write_text("VALUE = 2\n")
    assert main([*options, *PYTEST_ARGS]) == 0
    out, _ = capfd.readouterr()
    assert out == "mutation: other.py lines [1]: 0 test(s)\n"


def test_a_test_run_past_its_timeout_is_stopped_and_counts_as_killed(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "wait.py").write_text(WAIT.replace("fifo.read()", "fifo.read(1)"))
    options[options.index("--min-timeout") + 1] = "1"

    # min-timeout 1 s + factor 1 x the 1 s recorded for test_wait
    assert main([*options, *PYTEST_ARGS]) == TIMED_OUT

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: wait.py lines [3]: 1 test(s)\n")
    assert out.endswith("mutation: killed: timed out after 2 s\n")


def test_plain_pytest_gives_its_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "test_it.py").write_text("def test_no():\n    assert False\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert run_plain(["-q", "-p", "no:cacheprovider", "test_it.py"], 60.0, 1) == 1
    assert run_plain(["-q", "-p", "no:cacheprovider", "no_such_file.py"], 60.0, 1) == 4


def test_the_tests_import_the_project_from_the_worker_copy_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/elsewhere", "/also"]))
    assert environment_of_tests()["PYTHONPATH"] == os.pathsep.join(
        [str(tmp_path), "/elsewhere", "/also"]
    )
    monkeypatch.delenv("PYTHONPATH")
    env = environment_of_tests()
    assert env["PYTHONPATH"] == str(tmp_path)
    assert {k: v for k, v in env.items() if k != "PYTHONPATH"} == dict(os.environ)


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (0, ""),
        (1, "mutation: killed: pytest exited with 1\n"),
        (2, "mutation: killed: pytest exited with 2\n"),
        (TIMED_OUT, "mutation: killed: timed out after 7 s\n"),
        (4, "mutation: no verdict: pytest exited with 4\n"),
        (5, "mutation: no verdict: pytest exited with 5\n"),
    ],
)
def test_only_a_failed_test_or_the_timeout_is_a_kill(
    status: int, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verdict(status, 7.0) == status
    assert capsys.readouterr().out == line


def test_the_budget_keeps_the_fastest_tests_and_at_least_one() -> None:
    tests = [("a", 0.5), ("b", 0.75), ("c", 1.0)]
    assert within_budget(tests, 1.25) == [("a", 0.5), ("b", 0.75)]
    assert within_budget(tests, 0.1) == [("a", 0.5)]
    assert within_budget(tests, 10.0) == tests
    assert within_budget([], 1.0) == []
    # The order may put a slower test first (the module's own): the run stops at the first
    # test that does not fit, never skips it for a later one.
    assert within_budget([("own", 1.0), ("own2", 0.5), ("other", 0.1)], 1.2) == [("own", 1.0)]


def test_the_module_s_own_tests_come_first_only_for_a_line_no_test_executed() -> None:
    tests = [
        ("tests/test_other.py::t", 0.1),
        ("tests/unit/test_calc.py::t", 0.2),
        ("tests/unit/test_calc_extra.py::t", 0.3),
        ("tests/unit/test_calc.py::u", 0.4),
    ]
    by_line = {"3": [0], "4": [0, 1, 2]}
    assert select_tests(tests, by_line, [3], "calc") == [tests[0]]
    assert select_tests(tests, by_line, [4], "calc") == [tests[0], tests[1], tests[2]]
    # A line no test executed (it ran at import): every test, the module's own first.
    assert select_tests(tests, by_line, [2], "calc") == [tests[1], tests[3], tests[0], tests[2]]
    assert select_tests(tests, by_line, [4, 2], "calc") == [tests[1], tests[3], tests[0], tests[2]]


def test_an_own_test_too_slow_for_the_budget_is_not_put_first() -> None:
    tests = [("tests/test_other.py::t", 0.1), ("tests/test_calc.py::slow", 9.0)]
    assert select_tests(tests, {}, [3], "calc", budget=1.5) == tests
    assert select_tests(tests, {}, [3], "calc", budget=9.0) == [tests[1], tests[0]]


def test_another_failure_kills_only_when_the_unmutated_run_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert verdict(4, 7.0, control=0) == 4
    assert (
        capsys.readouterr().out == "mutation: killed: pytest exited with 4, and with 0 unmutated\n"
    )
    assert verdict(3, 7.0, control=3) == 3
    assert capsys.readouterr().out == "mutation: no verdict: pytest exited with 3\n"


def test_a_timeout_exits_124_as_the_timeout_command_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert verdict(124, 7.0) == 124
    assert capsys.readouterr().out == "mutation: killed: timed out after 7 s\n"


def test_an_own_test_over_the_budget_leaves_room_for_faster_tests_of_other_files(
    tmp_path: Path,
) -> None:
    """For a line no test executed, the module's own tests that fit in the budget come first;
    one that alone would not fit goes among the others by its seconds, so faster tests of
    other files still run."""
    rows = [
        ["tests/test_other.py::fast", 0.1, 0.1],
        ["tests/test_a.py::own", 0.5, 0.5],
        ["tests/test_a.py::own_slow", 2.0, 2.0],
    ]
    data = {"tests": rows, "lines": {"3": [0, 1, 2]}}
    (tmp_path / "pkg.a.py.json").write_text(json.dumps(data), encoding="utf-8")

    assert pick_tests(tmp_path, "pkg/a.py", [7], budget=1.0) == [
        ("tests/test_a.py::own", 0.5, 0.5),
        ("tests/test_other.py::fast", 0.1, 0.1),
    ]
    assert pick_tests(tmp_path, "pkg/a.py", [3], budget=1.0) == [
        ("tests/test_other.py::fast", 0.1, 0.1),
        ("tests/test_a.py::own", 0.5, 0.5),
    ]


def test_the_timeout_and_the_budget_are_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--pristine", str(tmp_path), "--map", str(tmp_path), "--timeout-factor", "1"]
    with pytest.raises(SystemExit) as exited:
        main(options)
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: the following arguments are required: --min-timeout, --budget\n"
    )


def test_every_option_but_the_pytest_arguments_is_required(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["-q"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: the following arguments are required: --pristine, --map, --timeout-factor,"
        " --min-timeout, --budget\n"
    )


class StandInServer:
    """A stand-in for the worker's fork server (:mod:`tools.mutation.pytest_server`) at
    ``path``, in a thread: it takes one request, writes ``output`` to the descriptor the request
    passed as stdout, as the test run would, and replies with ``status``."""

    def __init__(self, path: Path, output: bytes, status: int) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(1)
        self.listener.settimeout(WAIT_SECONDS)
        self.output, self.status = output, status
        self.request: dict[str, object] = {}
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        with self.listener, self.listener.accept()[0] as connection:
            data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
            while len(data) < LENGTH_BYTES + int.from_bytes(data[:LENGTH_BYTES], "big"):
                data += connection.recv(1 << 16)
            self.request = json.loads(data[LENGTH_BYTES:])
            os.write(fds[1], self.output)
            for fd in fds:
                os.close(fd)
            connection.sendall(f"exit {self.status}\n".encode())

    def join(self) -> dict[str, object]:
        self.thread.join(timeout=WAIT_SECONDS)
        return self.request


def run_with_buffered_stdout(argv: list[str]) -> int:
    """:func:`main` with its stdout buffered, as in the pipe cosmic-ray reads, on the descriptor
    the tests write to from their own process."""
    with (
        os.fdopen(os.dup(1), "w", encoding="utf-8") as buffered,
        contextlib.redirect_stdout(buffered),
    ):
        assert not buffered.line_buffering
        return main(argv)


def test_the_header_is_out_before_the_tests_write_to_the_same_pipe(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    """cosmic-ray reads the client's stdout from a pipe, which Python buffers, and the tests
    write to the same descriptor from a process of their own: the header must be flushed
    before they start, or it would come after their output."""
    copy, options = worker_copy
    (copy / "calc.py").write_text(CALC.replace("2 * x", "2 + x"))
    server = StandInServer(copy / SOCKET_NAME, b"1 failed\n", 1)

    assert run_with_buffered_stdout([*options, *PYTEST_ARGS]) == 1

    assert server.join()["args"] == [
        "-q",
        "-p",
        "no:cacheprovider",
        "-x",
        "test_calc.py::test_double",
    ]
    out, _ = capfd.readouterr()
    assert out == (
        "mutation: calc.py lines [2]: 1 test(s)\n1 failed\nmutation: killed: pytest exited with 1\n"
    )


def test_a_passing_run_is_not_repeated_on_the_pristine_copy(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "calc.py").write_text(CALC.replace("x / 2", "x // 2"))
    server = StandInServer(copy / SOCKET_NAME, b"1 passed\n", 0)

    assert run_with_buffered_stdout([*options, *PYTEST_ARGS]) == 0

    assert server.join()["cwd"] == str(copy)
    out, _ = capfd.readouterr()
    assert out == "mutation: calc.py lines [6]: 1 test(s)\n1 passed\n"


def test_the_timeout_grows_with_the_recorded_wall_seconds_of_the_tests(
    worker_copy: tuple[Path, list[str]], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    copy, options = worker_copy
    (copy / "wait.py").write_text(WAIT.replace("fifo.read()", "fifo.read(1)"))
    map_dir = write_map(
        tmp_path / "short", {"wait.py": ([("test_wait.py::test_wait", 0.1)], {3: [0]})}
    )
    options[options.index("--map") + 1] = str(map_dir)
    options[options.index("--min-timeout") + 1] = "0.3"
    options[options.index("--timeout-factor") + 1] = "3"

    # 0.3 s + 3 x the 0.1 s recorded for test_wait: stopped after 0.6 s
    assert main([*options, *PYTEST_ARGS]) == TIMED_OUT

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: wait.py lines [3]: 1 test(s)\n")
    assert out.endswith("mutation: killed: timed out after 1 s\n")


def test_a_mutant_that_stops_pytest_from_starting_is_judged_on_the_pristine_copy(
    worker_copy: tuple[Path, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    """A conftest that imports the mutated module fails to load: pytest's usage error (4),
    which counts as a kill only because the same run passes unmutated."""
    copy, options = worker_copy
    pristine = Path(options[options.index("--pristine") + 1])
    for tree in (copy, pristine):
        (tree / "conftest.py").write_text("import calc\n")
    (copy / "calc.py").write_text(CALC.replace("2 * x", "2 * x)"))  # no longer compiles

    assert main([*options, *PYTEST_ARGS]) == 4

    out, _ = capfd.readouterr()
    assert out.startswith("mutation: calc.py lines [2]: 1 test(s)\n")
    assert "mutation: pytest exited with 4; the same run on the pristine copy:\n" in out
    assert out.endswith("mutation: killed: pytest exited with 4, and with 0 unmutated\n")


def test_the_server_reads_back_the_request_the_client_sends() -> None:
    data = request_bytes(["-q", "t.py"], "/work", {"A": "1"})
    assert data[8:] == b'{"args": ["-q", "t.py"], "cwd": "/work", "env": {"A": "1"}}'
    assert data[:8] == len(data[8:]).to_bytes(8, "big")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        theirs.sendall(data)
        assert read_request(ours) == (
            {"args": ["-q", "t.py"], "cwd": "/work", "env": {"A": "1"}},
            [],
        )


def test_a_module_s_map_is_read_once_per_process(tmp_path: Path) -> None:
    data = {"tests": [["t.py::a", 0.1, 0.1]], "lines": {"3": [0]}}
    map_file(tmp_path, "pkg/a.py").write_text(json.dumps(data), encoding="utf-8")
    assert read_module_map(tmp_path, "pkg/a.py") == data
    map_file(tmp_path, "pkg/a.py").unlink()
    assert read_module_map(tmp_path, "pkg/a.py") == data


LEAVE_RUNNING = """
import subprocess
import sys

HOLD = "import socket; socket.create_connection(('127.0.0.1', PORT)).recv(1)"


def test_leaves_a_process_behind():
    subprocess.Popen([sys.executable, "-c", HOLD], start_new_session=True)
    print("left one")
"""


def test_a_process_a_test_leaves_running_does_not_hold_the_command_s_output_open(
    tmp_path: Path,
) -> None:
    """The worker reads the command's output to its end: a process a test left running (here,
    waiting on a connection to this test) must not hold it open once the command has ended."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        test = LEAVE_RUNNING.replace("PORT", str(port))
        (tmp_path / "test_leave.py").write_text(test, encoding="utf-8")
        root = Path(__file__).resolve().parents[3]
        code = "import sys; from tools.mutation.pytest_client import run_tests; "
        code += "sys.exit(run_tests(['-q', '-p', 'no:cacheprovider', '-s', 'test_leave.py'], 60))"
        env = {**os.environ, "PYTHONPATH": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        command = subprocess.Popen(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE
        )
        assert command.stdout is not None
        with command.stdout:
            try:
                out = read_until_eof(command.stdout.fileno())
            finally:
                server.settimeout(WAIT_SECONDS)
                held, _ = server.accept()  # the process left running: let it end
                held.close()
        assert command.wait(WAIT_SECONDS) == 0
        assert b"left one" in out
