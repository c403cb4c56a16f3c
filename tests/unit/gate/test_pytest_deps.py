"""The plugin in a real pytest run (in-process, in a fresh process, or imported anew here):
what each test read, listed and started, and the lines its module's imports ran, end up in the
file/line data testmon would store. A conftest stands in for testmon: it puts the
``nodes_files_lines`` field on each teardown report and writes out what the plugin added."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest

from tests.unit.gate.conftest import git
from tools.gate import pytest_deps
from tools.gate.child.sitecustomize import LOG_VARIABLE, ROOT_VARIABLE
from tools.gate.dep_lines import TREE_FILE, listing_file
from tools.gate.deps import Deps
from tools.gate.pytest_deps import RUN, Run, audit

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

CONFTEST = """
import json
import pytest

SEEN = {}

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "teardown":
        outcome.get_result().nodes_files_lines = {item.nodeid: {}}

def pytest_runtest_logreport(report):
    if report.when == "teardown":
        SEEN[report.nodeid.rsplit("::", 1)[-1]] = sorted(report.nodes_files_lines[report.nodeid])

def pytest_unconfigure(config):
    with open("seen.json", "w") as out:
        json.dump(SEEN, out)
"""
TESTS = """
import os
import subprocess
import sys
from pathlib import Path

import pytest

import helper

DATA = Path("data/table.txt").read_text()


@pytest.fixture(scope="module")
def config_text():
    code = "print(open('config.txt').read(), end='')"
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return run.stdout


def test_reads_a_file():
    assert Path("notes.txt").read_text() == "notes\\n"


def test_lists_a_directory():
    assert sorted(os.listdir("data")) == ["table.txt"]


def test_uses_a_module_fixture_and_the_import(config_text):
    assert config_text == "c\\n" and DATA == "t\\n"


def test_starts_a_traced_python():
    code = "import helper; open('child.txt').read()"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.environ["PYTHONPATH"], "."])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_starts_git_here():
    subprocess.run(["git", "status", "--short"], check=True, capture_output=True)


def test_calls_the_helper():
    assert helper.answer() == 42


def test_uses_the_module_fixture_again(config_text):
    assert config_text == "c\\n"
"""


def test_each_test_gets_what_it_read_listed_and_started(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (ROOT_VARIABLE, LOG_VARIABLE, "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", "/kept")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_deps=TESTS, helper="def answer():\n    return 42\n")
    for name, text in {
        "notes.txt": "notes\n",
        "config.txt": "c\n",
        "child.txt": "child\n",
        "data/table.txt": "t\n",
        ".gitignore": ".cache/\n__pycache__/\nseen.json\n",
    }.items():
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")
    git(pytester.path, "init", "-q", "-b", "main")
    git(pytester.path, "add", ".")
    git(pytester.path, "commit", "-q", "-m", "init")
    result = pytester.runpytest_inprocess(
        "-p",
        "tools.gate.pytest_deps",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-p",
        "no:testmon",
    )
    result.assert_outcomes(passed=7)
    seen = json.loads((pytester.path / "seen.json").read_text(encoding="utf-8"))
    assert "notes.txt" in seen["test_reads_a_file"]
    assert listing_file("data") in seen["test_lists_a_directory"]
    assert {"config.txt", "data/table.txt"} <= set(
        seen["test_uses_a_module_fixture_and_the_import"]
    )
    assert {"child.txt", "helper.py"} <= set(seen["test_starts_a_traced_python"])
    assert "config.txt" in seen["test_uses_the_module_fixture_again"]
    assert TREE_FILE in seen["test_starts_git_here"]
    assert TREE_FILE not in seen["test_calls_the_helper"]
    assert os.environ["PYTHONPATH"] == "/kept"
    assert ROOT_VARIABLE not in os.environ
    assert (pytester.path / TREE_FILE).is_file()


def test_the_audit_hook_reaches_every_configured_run(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfig("-p", "tools.gate.pytest_deps")
    pytester.makefile(".txt", notes="n\n")
    git(pytester.path, "init", "-q", "-b", "main")
    config._do_configure()  # pyright: ignore[reportPrivateUsage]
    try:
        deps = Deps()
        recorder = config.stash[RUN].recorder
        with recorder.recording(deps):
            audit("open", (str(pytester.path / "notes.txt"), "r", 0))
        assert deps.files == {"notes.txt"}
    finally:
        config._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    audit("open", (str(pytester.path / "notes.txt"), "r", 0))  # nobody listens any more


LINES_CONFTEST = """
import json
import os

import coverage
import pytest

SEEN = {}
ENVIRONMENT = {}


def pytest_configure(config):
    ENVIRONMENT["configure"] = os.environ.get("GATE_DEPS_ROOT")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    ENVIRONMENT["protocol"] = "GATE_DEPS_LOG" in os.environ
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "teardown":
        outcome.get_result().nodes_files_lines = {item.nodeid: {}}


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        files = report.nodes_files_lines[report.nodeid]
        SEEN[report.nodeid] = {name: sorted(lines) for name, lines in files.items()}


def pytest_unconfigure(config):
    measured = coverage.Coverage.current() is not None
    with open("seen.json", "w") as out:
        json.dump({"seen": SEEN, "environment": ENVIRONMENT, "measured": measured}, out)
"""
HELPER = """\
\"\"\"A module the test module imports.\"\"\"

VALUE = len("x")


def answer():
    return 42
"""
HELPER_IMPORT_LINES = [1, 3, 6]
"""The lines of ``HELPER`` that run when it is imported."""


def assert_import_lines(lines: list[int], *, measured: bool) -> None:
    """``lines`` are those of ``HELPER`` that ran while the test module imported it; under
    coverage.py (the project measuring its own tests) that one's lines stand in instead, at
    least the first statement."""
    if measured:
        assert 1 in lines
        assert set(lines) <= set(HELPER_IMPORT_LINES)
    else:
        assert lines == HELPER_IMPORT_LINES


SUBPROCESS_TESTS = """
from pathlib import Path

import pytest

from tools import gate_scratch_helper


@pytest.fixture(scope="module")
def notes():
    return Path("notes.txt").read_text()


def test_uses_a_module_fixture_and_the_helper(notes):
    assert notes == "n\\n" and gate_scratch_helper.VALUE == 1
"""


def test_a_fresh_pytest_process_records_imports_fixtures_and_runs_first(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (ROOT_VARIABLE, LOG_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only the plugins named: fast
    pytester.makeconftest(LINES_CONFTEST)
    for name, text in {
        "tests/__init__.py": "",
        "tools/gate_scratch_helper.py": HELPER,
        "tests/test_inner.py": SUBPROCESS_TESTS,
        "notes.txt": "n\n",
        ".coveragerc": "[run]\nsource = elsewhere\n",  # the project's own: not the plugin's
        ".gitignore": ".cache/\n__pycache__/\nseen.json\n",
    }.items():
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")
    git(pytester.path, "init", "-q", "-b", "main")
    result = pytester.runpytest_subprocess("-p", "tools.gate.pytest_deps", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    written = json.loads((pytester.path / "seen.json").read_text(encoding="utf-8"))
    assert written["environment"] == {"configure": str(pytester.path), "protocol": True}
    seen = written["seen"]["tests/test_inner.py::test_uses_a_module_fixture_and_the_helper"]
    assert seen["notes.txt"] == [1, 2]
    assert_import_lines(seen["tools/gate_scratch_helper.py"], measured=written["measured"])


class CountedDeps(Deps):
    """Deps that count the records they take."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    def update(self, other: Deps) -> None:
        self.taken += 1
        super().update(other)


def configured(pytester: pytest.Pytester) -> pytest.Config:
    config = pytester.parseconfig("-p", "tools.gate.pytest_deps")
    config._do_configure()  # pyright: ignore[reportPrivateUsage]
    return config


def test_each_run_hears_each_event_once_and_nothing_after_it_ends(
    pytester: pytest.Pytester,
) -> None:
    notes = pytester.makefile(".txt", notes="n\n")
    git(pytester.path, "init", "-q", "-b", "main")
    first, second = configured(pytester), configured(pytester)
    try:
        heard = CountedDeps()
        with second.stash[RUN].recorder.recording(heard):
            notes.read_text(encoding="utf-8")  # one open, through the process's audit hook
        assert (heard.files, heard.taken) == ({"notes.txt"}, 1)
        first._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
        gone, kept = Deps(), Deps()
        with first.stash[RUN].recorder.recording(gone), second.stash[RUN].recorder.recording(kept):
            audit("open", (str(notes), "r", 0))
        assert (gone.files, kept.files) == (set(), {"notes.txt"})
    finally:
        first._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
        second._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]


def test_a_muted_recorder_and_a_module_the_test_process_runs_record_nothing(
    pytester: pytest.Pytester,
) -> None:
    notes = pytester.makefile(".txt", notes="n\n")
    module = pytester.makepyfile(helper="X = 1\n")
    git(pytester.path, "init", "-q", "-b", "main")
    config = configured(pytester)
    try:
        recorder = config.stash[RUN].recorder
        deps = Deps()
        with recorder.recording(deps):
            with recorder.mute():
                audit("open", (str(notes), "r", 0))
            audit("exec", (compile("X = 1\n", str(module), "exec"),))
        assert deps == Deps()
    finally:
        config._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]


def test_the_logs_go_when_the_run_ends_even_if_something_removed_them_first(
    pytester: pytest.Pytester,
) -> None:
    git(pytester.path, "init", "-q", "-b", "main")
    kept, removed = configured(pytester), configured(pytester)
    logs = kept.stash[RUN].logs
    assert logs.is_dir()
    kept._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    assert not logs.exists()
    shutil.rmtree(removed.stash[RUN].logs)
    removed._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]


def test_a_test_depends_on_the_lines_its_module_s_imports_ran_at_collection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (ROOT_VARIABLE, LOG_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(LINES_CONFTEST)
    pytester.makeini("[pytest]\npythonpath = .\n")
    for name, text in {
        "ml_playground/gate_scratch_helper.py": HELPER,
        "ml_playground/test_gate_scratch.py": (
            "from ml_playground import gate_scratch_helper\n\n\n"
            "def test_the_helper():\n    assert gate_scratch_helper.answer() == 42\n"
        ),
        ".coveragerc": "[run]\nsource = elsewhere\n",  # the project's own: not the plugin's
        ".gitignore": ".cache/\n__pycache__/\nseen.json\n",
    }.items():
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")
    git(pytester.path, "init", "-q", "-b", "main")
    result = pytester.runpytest_inprocess(
        *("-p", "tools.gate.pytest_deps", "-p", "no:cacheprovider"),
        *("-p", "no:xdist", "-p", "no:testmon", "-p", "no:randomly"),
    )
    result.assert_outcomes(passed=1)
    written = json.loads((pytester.path / "seen.json").read_text(encoding="utf-8"))
    seen = written["seen"]["ml_playground/test_gate_scratch.py::test_the_helper"]
    assert_import_lines(seen["ml_playground/gate_scratch_helper.py"], measured=written["measured"])


def test_a_run_lists_the_tree_first_unless_it_is_an_xdist_worker(
    pytester: pytest.Pytester,
) -> None:
    git(pytester.path, "init", "-q", "-b", "main")
    tree = pytester.path / TREE_FILE
    config = configured(pytester)
    config._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    assert tree.is_file()
    tree.unlink()
    worker = pytester.parseconfig("-p", "tools.gate.pytest_deps")
    worker.workerinput = {}  # pyright: ignore[reportAttributeAccessIssue]  # as xdist's workers
    worker._do_configure()  # pyright: ignore[reportPrivateUsage]
    worker._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    assert not tree.exists()


def test_an_ended_run_hears_nothing_even_while_its_recorder_records(
    pytester: pytest.Pytester,
) -> None:
    notes = pytester.makefile(".txt", notes="n\n")
    git(pytester.path, "init", "-q", "-b", "main")
    config = configured(pytester)
    recorder = config.stash[RUN].recorder
    shutil.rmtree(config.stash[RUN].logs)  # removed by someone else: ending the run still works
    config._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    deps = Deps()
    with recorder.recording(deps):
        audit("open", (str(notes), "r", 0))
    assert deps == Deps()


PHASES_CONFTEST = """
import json
import pytest

SEEN = {}

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().nodes_files_lines = {item.nodeid: {}}

def pytest_runtest_logreport(report):
    SEEN[report.when] = sorted(report.nodes_files_lines[report.nodeid])

def pytest_unconfigure(config):
    with open("seen.json", "w") as out:
        json.dump(SEEN, out)
"""


def test_only_the_teardown_report_carries_the_test_s_dependencies(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (ROOT_VARIABLE, LOG_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(PHASES_CONFTEST)
    pytester.makepyfile(
        test_reads="from pathlib import Path\n\n\n"
        "def test_reads():\n    assert Path('notes.txt').read_text() == 'n'\n"
    )
    pytester.makefile(".txt", notes="n")
    git(pytester.path, "init", "-q", "-b", "main")
    result = pytester.runpytest_inprocess(
        *("-p", "tools.gate.pytest_deps", "-p", "no:cacheprovider"),
        *("-p", "no:xdist", "-p", "no:testmon", "-p", "no:randomly"),
    )
    result.assert_outcomes(passed=1)
    seen = json.loads((pytester.path / "seen.json").read_text(encoding="utf-8"))
    assert (seen["setup"], seen["call"]) == ([], [])
    assert "notes.txt" in seen["teardown"]


FAST = ("-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:cacheprovider")
"""pytest options that spare a run the garbage collections and the cache a test needs not."""


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The plugin imported afresh, as a new pytest process has it: with runs of its own and no
    audit hook installed yet. (Once installed, a fresh copy's hook stays, hearing only the
    copy's runs, none once they end.)"""
    monkeypatch.setattr(sys, "_gate_audit_hook", False, raising=False)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only the plugins named: fast
    for name in (ROOT_VARIABLE, LOG_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("gate_deps_afresh", pytest_deps.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # where its dataclass looks itself up
    spec.loader.exec_module(module)
    return module


def run_of(plugin: ModuleType, config: pytest.Config) -> Run:
    return config.stash[cast("pytest.StashKey[Run]", plugin.RUN)]


class Witness:
    """A plugin registered after the gate's: what the environment held when it configured."""

    def __init__(self) -> None:
        self.root_at_configure: str | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self.root_at_configure = os.environ.get(ROOT_VARIABLE)


def worker_run(pytester: pytest.Pytester, plugin: ModuleType) -> pytest.Config:
    """A run of ``plugin`` configured as one of xdist's workers (no stand-ins to refresh, no
    git: fast), checked to set the environment before a plugin registered after it configures."""
    config = pytester.parseconfig(*FAST)
    config.workerinput = {}  # pyright: ignore[reportAttributeAccessIssue]  # as xdist's workers
    config.pluginmanager.register(plugin)
    witness = Witness()
    config.pluginmanager.register(witness)
    config._do_configure()  # pyright: ignore[reportPrivateUsage]
    assert witness.root_at_configure == str(pytester.path)
    return config


def test_each_run_hears_what_it_records_once_and_nothing_once_it_ends(
    pytester: pytest.Pytester, plugin: ModuleType
) -> None:
    notes = pytester.makefile(".txt", notes="n\n")
    first, second = worker_run(pytester, plugin), worker_run(pytester, plugin)
    first_run, second_run = run_of(plugin, first), run_of(plugin, second)
    assert not (pytester.path / TREE_FILE).exists()  # a worker leaves that to its controller
    try:
        heard, muted = CountedDeps(), Deps()
        with first_run.recorder.recording(heard):
            notes.read_text(encoding="utf-8")  # one open, through the process's audit hooks
        with second_run.recorder.recording(muted), second_run.recorder.mute():
            plugin.audit("open", (str(notes), "r", 0))
        assert (heard.files, heard.taken, muted) == ({"notes.txt"}, 1, Deps())
        shutil.rmtree(second_run.logs)  # removed by someone else: ending the run still works
        second._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
        gone, kept = Deps(), Deps()
        with first_run.recorder.recording(kept), second_run.recorder.recording(gone):
            plugin.audit("open", (str(notes), "r", 0))
        assert (gone, kept.files) == (Deps(), {"notes.txt"})
        assert os.environ[ROOT_VARIABLE] == str(pytester.path)  # the first run's, still
    finally:
        second._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
        first._ensure_unconfigure()  # pyright: ignore[reportPrivateUsage]
    assert not first_run.logs.exists()
    assert ROOT_VARIABLE not in os.environ


RUN_CONFTEST = """
import os

import pytest


def pytest_configure(config):
    config.gate_root_at_configure = os.environ.get("GATE_DEPS_ROOT")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item):
    item.config.gate_log_at_protocol = "GATE_DEPS_LOG" in os.environ
    return (yield)
"""
RUN_TESTS = """
from pathlib import Path

import pytest

DATA = Path("data.txt").read_text()


@pytest.fixture(scope="module")
def wide():
    return Path("wide.txt").read_text()


@pytest.fixture
def narrow():
    return Path("narrow.txt").read_text()


def test_reads(wide, narrow):
    assert (DATA, wide, narrow, Path("own.txt").read_text()) == ("d", "w", "n", "o")
"""


class ConfigKeeper:
    """A plugin that keeps the configuration of the run it is given to."""

    def __init__(self) -> None:
        self.configs: list[pytest.Config] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        self.configs.append(config)


def test_a_test_depends_on_its_module_s_import_its_wide_fixtures_and_its_own_reads(
    pytester: pytest.Pytester, plugin: ModuleType
) -> None:
    pytester.makeconftest(RUN_CONFTEST)
    pytester.makepyfile(test_reads=RUN_TESTS)
    for name, text in {"data": "d", "wide": "w", "narrow": "n", "own": "o"}.items():
        pytester.makefile(".txt", **{name: text})
    keeper = ConfigKeeper()
    pytester.inline_run(*FAST, plugins=[plugin, keeper]).assertoutcome(passed=1)
    (config,) = keeper.configs
    recorder = run_of(plugin, config).recorder
    # No testmon here: nothing takes the test's dependencies from ``pending``.
    assert {home: deps.files for home, deps in recorder.by_module_file.items()} == {
        "test_reads.py": {"data.txt"}
    }
    assert recorder.by_fixture == {"wide": Deps(files={"wide.txt"})}
    assert {nodeid: deps.files for nodeid, deps in recorder.pending.items()} == {
        "test_reads.py::test_reads": {"data.txt", "wide.txt", "narrow.txt", "own.txt"}
    }
    assert getattr(config, "gate_root_at_configure") == str(pytester.path)  # noqa: B009
    assert getattr(config, "gate_log_at_protocol") is True  # noqa: B009
