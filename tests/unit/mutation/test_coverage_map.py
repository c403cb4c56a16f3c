"""The map of which tests execute which lines: its parts, and one real build on a tiny project
whose tests run the module both in the test process and in a subprocess."""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import coverage
import pytest
from coverage.config import CoverageConfig

from tools.mutation.coverage_map import (
    DURATIONS_VARIABLE,
    SUBPROCESS_CONFIG,
    TOOLS_ROOT,
    build,
    cpu_seconds,
    fingerprint,
    is_current,
    module_map,
    pytest_runtest_protocol,
    pytest_sessionfinish,
    read_durations,
    with_context,
    write_durations,
)
from tools.mutation.errors import MutationError
from tools.mutation.pytest_client import INDEX_NAME, map_file
from tools.process import run

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_only_the_context_of_the_serialized_config_changes() -> None:
    # A CoverageConfig of its own: making a Coverage object in a measured test process would
    # stop that process from saving its measurement.
    config = CoverageConfig()
    config.branch = True
    config.context = "before"
    serialized = config.serialize()

    changed = with_context(serialized, "tests/t.py::test_a")

    data = json.loads(base64.b64decode(serialized))
    assert json.loads(base64.b64decode(changed)) == {**data, "context": "tests/t.py::test_a"}
    assert data["context"] == "before"
    restored = CoverageConfig.deserialize(changed)
    assert (restored.context, restored.branch) == ("tests/t.py::test_a", True)


def test_the_module_map_lists_tests_fastest_first_and_lines_by_test_index() -> None:
    durations = {
        "t.py::slow": (2.0, 2.5),
        "t.py::b": (0.1234, 9.0),  # waits: its wall seconds do not order it
        "t.py::a": (0.1234, 0.2),
        "t.py::unused": (0.0, 0.0),
    }
    by_line = {
        7: ["t.py::slow", "t.py::a"],
        1: ["", "t.py::b"],  # "": executed while the module was imported
        3: ["t.py::a", "t.py::a"],
        4: [""],
        5: ["not a test"],
        6: [],
    }

    assert module_map(by_line, durations) == {
        "tests": [["t.py::a", 0.123, 0.2], ["t.py::b", 0.123, 9.0], ["t.py::slow", 2.0, 2.5]],
        # Line 1 ran at import: it is left to the module's own tests.
        "lines": {"3": [0], "7": [0, 2]},
    }
    assert module_map({}, durations) == {"tests": [], "lines": {}}


def test_the_seconds_in_the_module_map_are_rounded_to_milliseconds() -> None:
    durations = {"t.py::a": (0.12345, 0.98765)}
    assert module_map({1: ["t.py::a"]}, durations)["tests"] == [["t.py::a", 0.123, 0.988]]


def test_the_tests_of_a_modules_own_test_file_are_its_tests_even_without_a_line() -> None:
    """A test of a class's field bounds runs no line of the module after its import."""
    durations = {
        "tests/unit/test_calc.py::test_bound": (0.2, 0.2),
        "tests/unit/test_calculator.py::test_other": (0.1, 0.1),
        "tests/t.py::test_runs_a_line": (0.3, 0.3),
    }
    by_line = {2: ["tests/t.py::test_runs_a_line"]}

    assert module_map(by_line, durations, "calc") == {
        "tests": [
            ["tests/unit/test_calc.py::test_bound", 0.2, 0.2],
            ["tests/t.py::test_runs_a_line", 0.3, 0.3],
        ],
        "lines": {"2": [1]},
    }
    assert module_map(by_line, durations)["tests"] == [["tests/t.py::test_runs_a_line", 0.3, 0.3]]


def test_the_fingerprint_follows_the_names_and_bytes_of_the_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    (tmp_path / "b.py").write_bytes(b"y = 2\n")
    first = fingerprint(tmp_path, ["a.py", "b.py"])
    assert fingerprint(tmp_path, ["b.py", "a.py"]) == first
    assert len(first) == 64

    (tmp_path / "b.py").write_bytes(b"y = 3\n")
    changed = fingerprint(tmp_path, ["a.py", "b.py"])
    assert changed != first

    (tmp_path / "b.py").rename(tmp_path / "c.py")
    assert fingerprint(tmp_path, ["a.py", "c.py"]) not in (first, changed)


def test_a_file_name_that_is_not_utf8_has_a_fingerprint(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # as git ls-files lists it, decoded with surrogates
    (tmp_path / name).write_bytes(b"latin-1 name\n")
    assert len(fingerprint(tmp_path, [name])) == 64


def test_only_an_index_with_the_same_stamp_is_current(tmp_path: Path) -> None:
    assert not is_current(tmp_path / "missing", "stamp")
    (tmp_path / INDEX_NAME).write_text("{not json", encoding="utf-8")
    assert not is_current(tmp_path, "stamp")
    (tmp_path / INDEX_NAME).write_text('["stamp"]', encoding="utf-8")
    assert not is_current(tmp_path, "stamp")
    (tmp_path / INDEX_NAME).write_text('{"fingerprint": "other"}', encoding="utf-8")
    assert not is_current(tmp_path, "stamp")
    (tmp_path / INDEX_NAME).write_text('{"fingerprint": "stamp"}', encoding="utf-8")
    assert is_current(tmp_path, "stamp")


CALC = "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n"
TESTS = """\
import subprocess
import sys

from pkg.calc import double


def test_double():
    assert double(3) == 6


def test_half_in_a_subprocess():
    code = "from pkg.calc import half; assert half(4) == 2"
    subprocess.run([sys.executable, "-c", code], check=True)
"""
SPIN = """\
import subprocess
import sys


def test_spin_in_a_child():
    code = "import time\\nend = time.process_time() + 0.3\\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", code], check=True)
"""
COVERAGE_CONFIG = """\
[tool.coverage.run]
source = ["pkg"]
parallel = true
patch = ["subprocess"]
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A project with its own coverage settings, a module, an unused module and two tests."""
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text(COVERAGE_CONFIG)
    (project / "pkg" / "calc.py").write_text(CALC)
    (project / "pkg" / "unused.py").write_text("VALUE = 1\n")
    (project / "tests" / "test_calc.py").write_text(TESTS)
    return project


def tiny_env() -> dict[str, str]:
    """This interpreter first on PATH, no plugin autoload and none of this pytest's variables;
    ``build`` itself makes the project and the plugin importable, and leaves out the variables
    of a coverage run this test may be part of."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


@pytest.mark.parametrize("xdist", [["-p", "xdist.plugin", "-n", "2"], []])
def test_each_process_writes_the_cpu_seconds_of_the_tests_it_ran(
    tiny: Path, xdist: list[str]
) -> None:
    durations = tiny / "durations"
    durations.mkdir()
    (tiny / "tests" / "test_spin.py").write_text(SPIN)
    env = tiny_env() | {
        DURATIONS_VARIABLE: str(durations),
        "PYTHONPATH": os.pathsep.join([str(tiny), str(REPO_ROOT)]),
    }
    command = [sys.executable, "-m", "pytest", *xdist, "-p", "tools.mutation.coverage_map"]
    command += ["-q", "-p", "no:cacheprovider", "tests"]

    completed = run(command, tiny, env)

    assert completed.ok, completed.stdout + completed.stderr
    files = sorted(p.name for p in durations.iterdir())
    assert files == (["gw0.json", "gw1.json"] if xdist else ["main.json"])
    seconds = read_durations(durations)
    assert sorted(seconds) == [
        "tests/test_calc.py::test_double",
        "tests/test_calc.py::test_half_in_a_subprocess",
        "tests/test_spin.py::test_spin_in_a_child",
    ]
    # The CPU time of the children a test waited for counts as the test's.
    spin_cpu, spin_wall = seconds["tests/test_spin.py::test_spin_in_a_child"]
    assert spin_cpu >= 0.3
    # The child spun 0.3 s of its own CPU time, so it lived at least that long. (Not "wall >=
    # cpu": the kernel's count of the child's CPU time may pass the parent's clock by a few µs.)
    assert spin_wall >= 0.3
    assert seconds["tests/test_calc.py::test_double"][0] < 0.3


def test_the_map_names_the_tests_of_each_line_even_in_a_subprocess(tiny: Path) -> None:
    directory = tiny / "map"
    modules = ["pkg/calc.py", "pkg/unused.py"]

    build(
        tiny,
        modules,
        directory,
        stamp="the stamp",
        pytest_args=["-q", "-p", "no:cacheprovider"],
        env=tiny_env(),
        workers=1,
    )

    index = json.loads((directory / INDEX_NAME).read_text(encoding="utf-8"))
    assert index == {"fingerprint": "the stamp", "modules": modules}
    assert is_current(directory, "the stamp")
    calc = json.loads(map_file(directory, "pkg/calc.py").read_text(encoding="utf-8"))
    double, half = (
        "tests/test_calc.py::test_double",
        "tests/test_calc.py::test_half_in_a_subprocess",
    )
    assert [test for test, _, _ in calc["tests"]] == [double, half]
    assert 0 <= calc["tests"][0][1] <= calc["tests"][1][1]
    # The subprocess imported the module and ran half() on behalf of its test; the def lines
    # also ran at collection, outside any test, so they are left to the module's own tests.
    assert calc["lines"] == {"2": [0], "6": [1]}
    unused = json.loads(map_file(directory, "pkg/unused.py").read_text(encoding="utf-8"))
    assert unused == {"tests": [], "lines": {}}


def test_a_failing_test_fails_the_map(tiny: Path) -> None:
    (tiny / "tests" / "test_fails.py").write_text("def test_fails():\n    assert 1 == 2\n")
    (tiny / "map").mkdir()
    (tiny / "map" / ".coverage.stale").write_text("data of an earlier build")
    # An earlier build's index: it must not vouch for what this build leaves.
    (tiny / "map" / INDEX_NAME).write_text(json.dumps({"fingerprint": "the stamp"}))
    with pytest.raises(MutationError) as failed:
        build(
            tiny,
            ["pkg/calc.py"],
            tiny / "map",
            stamp="the stamp",
            pytest_args=["-q", "-p", "no:cacheprovider"],
            env=tiny_env(),
            workers=1,
        )
    message = str(failed.value)
    assert message.startswith("the test suite failed without any mutant (the baseline):\n")
    assert "FAILED tests/test_fails.py::test_fails - assert 1 == 2" in message
    assert not (tiny / "map" / INDEX_NAME).exists()
    assert not (tiny / "map" / ".coverage.stale").exists()


def test_the_plugin_is_importable_from_the_tools_root() -> None:
    assert (TOOLS_ROOT / "tools" / "mutation" / "coverage_map.py").is_file()


def run_protocol(item: pytest.Item) -> tuple[str | None, object]:
    """The plugin's wrapper around ``item``'s run, driven by hand as pytest drives it: the
    subprocess coverage config while the test runs, and what the wrapper returns."""
    protocol = pytest_runtest_protocol(item)
    next(protocol)
    during = os.environ.get(SUBPROCESS_CONFIG)
    with pytest.raises(StopIteration) as finished:
        protocol.send("the test's outcome")
    # Measured by a map build, this process's context was switched off above: switch it back.
    measuring = coverage.Coverage.current()
    if measuring is not None:
        measuring.switch_context(item.nodeid)
    return during, finished.value.value


def test_a_test_s_subprocesses_are_measured_under_its_node_id_and_then_no_more(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = request.node
    assert isinstance(item, pytest.Item)
    serialized = CoverageConfig().serialize()
    monkeypatch.setenv(SUBPROCESS_CONFIG, serialized)

    during, outcome = run_protocol(item)

    assert outcome == "the test's outcome"
    assert during == with_context(serialized, item.nodeid)
    assert os.environ[SUBPROCESS_CONFIG] == serialized


def test_without_coverage_a_test_runs_as_it_would_without_the_plugin(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = request.node
    assert isinstance(item, pytest.Item)
    monkeypatch.delenv(SUBPROCESS_CONFIG, raising=False)
    assert run_protocol(item) == (None, "the test's outcome")
    assert SUBPROCESS_CONFIG not in os.environ


def test_the_seconds_of_the_tests_a_process_ran_go_to_a_file_of_its_own(tmp_path: Path) -> None:
    write_durations(str(tmp_path), "gw1", {"b.py::t": (1.0, 2.0), "a.py::t": (0.5, 0.5)})

    (written,) = tmp_path.iterdir()
    assert written.name == "gw1.json"
    assert written.read_text(encoding="utf-8") == '{"a.py::t": [0.5, 0.5], "b.py::t": [1.0, 2.0]}'
    assert read_durations(tmp_path) == {"a.py::t": (0.5, 0.5), "b.py::t": (1.0, 2.0)}


def test_a_process_writes_no_seconds_without_a_directory_or_without_tests(tmp_path: Path) -> None:
    write_durations(None, "main", {"a.py::t": (0.5, 0.5)})
    write_durations("", "main", {"a.py::t": (0.5, 0.5)})
    write_durations(str(tmp_path), "main", {})
    assert list(tmp_path.iterdir()) == []


def build_without_python(repo: Path, directory: Path) -> None:
    """A map build whose suite cannot start: there is no python on its ``PATH``."""
    build(
        repo=repo,
        modules=["pkg/calc.py"],
        directory=directory,
        stamp="the stamp",
        pytest_args=[],
        env={"PATH": str(repo / "no-bin")},
        workers=1,
    )


def test_a_suite_that_cannot_start_fails_the_build_in_a_fresh_map_directory(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "cache" / "map"
    with pytest.raises(MutationError) as failed:
        build_without_python(tmp_path, directory)
    assert str(failed.value).startswith(
        "the test suite failed without any mutant (the baseline):\n"
    )
    assert sorted(p.name for p in directory.iterdir()) == ["durations"]


def test_a_build_into_an_earlier_map_directory_first_clears_its_coverage_data(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "map"
    directory.mkdir()
    (directory / ".coverage").write_text("data of an earlier build")
    (directory / ".coverage.host.pid1.x").write_text("a process's data of an earlier build")
    (directory / "kept.json").write_text("{}")
    with pytest.raises(MutationError) as failed:
        build_without_python(tmp_path, directory)
    assert str(failed.value).startswith("the test suite failed without any mutant")
    assert sorted(p.name for p in directory.iterdir()) == ["durations", "kept.json"]


def test_the_plugin_records_the_cpu_and_wall_seconds_of_the_test_it_wraps(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    item = request.node
    assert isinstance(item, pytest.Item)
    monkeypatch.delenv(SUBPROCESS_CONFIG, raising=False)
    monkeypatch.setenv(DURATIONS_VARIABLE, str(tmp_path))
    cpu, wall = cpu_seconds(), time.perf_counter()

    run_protocol(item)

    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    pytest_sessionfinish(request.session)
    recorded_cpu, recorded_wall = read_durations(tmp_path)[item.nodeid]
    assert 0 <= recorded_cpu <= cpu
    assert 0 <= recorded_wall <= wall


# Spends at least 10 ms of user and 10 ms of system CPU time, then prints both.
BUSY_CHILD = """\
import os, resource
def used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime
zero = os.open("/dev/zero", os.O_RDONLY)
for _ in range(10_000):
    user, system = used()
    if min(user, system) >= 0.01:
        break
    if user < 0.01:
        sum(range(20_000))
    if system < 0.01:
        os.read(zero, 1 << 20)
print(*used())
"""


def test_cpu_seconds_count_user_and_system_time_of_the_process_and_its_children() -> None:
    before = cpu_seconds()
    start = time.process_time()
    # System time of this process: the kernel fills buffers from /dev/zero.
    zero = os.open("/dev/zero", os.O_RDONLY)
    try:
        system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        for _ in range(10_000):
            if resource.getrusage(resource.RUSAGE_SELF).ru_stime >= system + 0.01:
                break
            os.read(zero, 1 << 20)
    finally:
        os.close(zero)
    child = subprocess.run(
        [sys.executable, "-S", "-I", "-c", BUSY_CHILD],
        capture_output=True,
        text=True,
        check=True,
    )
    mine = time.process_time() - start
    after = cpu_seconds()

    child_user, child_system = (float(field) for field in child.stdout.split())
    assert min(child_user, child_system) >= 0.01
    assert after - before >= mine + child_user + child_system - 0.001
