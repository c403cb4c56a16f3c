"""The plugin in a real (in-process) pytest run: what each test read, listed and started ends up
in the file/line data testmon would store. A conftest stands in for testmon: it puts the
``nodes_files_lines`` field on each teardown report and writes out what the plugin added."""

from __future__ import annotations

import json
import os

import pytest

from tests.unit.gate.conftest import git
from tools.gate.child.sitecustomize import LOG_VARIABLE, ROOT_VARIABLE
from tools.gate.dep_lines import TREE_FILE, listing_file
from tools.gate.deps import Deps
from tools.gate.pytest_deps import RUN, audit

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.unit

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
