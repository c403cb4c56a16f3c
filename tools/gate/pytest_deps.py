"""pytest plugin: add to pytest-testmon's data what each test depends on besides the Python
lines it runs in-process, so that testmon's selection is sound for those too.

An audit hook (:func:`sys.addaudithook`) sees every ``open``, directory listing, process start
and fork; :class:`tools.gate.deps_recorder.DepsRecorder` turns them into dependencies:

- a repository file read as data: that file;
- a directory listed: a stand-in file holding the listing (:mod:`tools.gate.dep_lines`), so
  a new or deleted file there selects the test;
- a Python process that inherits the test's environment: what it logged itself (its imports
  and reads, and so on down its own children);
- any other process: the project modules it runs and what they import (grimp), or, when it
  works inside the repository or cannot be seen into, the whole tree (``tree.txt``);
- a fork: the modules of the frames on the stack and what they import.

Reads while a test module is imported belong to every test of that module, reads in a fixture
of a wider scope to every test using that fixture; pytest's own work outside these (collecting,
configuring, conftest hooks) is no test's dependency. The dependencies ride on testmon's own
teardown report (``nodes_files_lines``), so they reach the controller under pytest-xdist too.

Load with ``-p tools.gate.pytest_deps`` next to ``--testmon`` (the gate and ``nox -s quality``
do).
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import coverage
import pytest

from tools.gate.dep_lines import DepLines, refresh
from tools.gate.deps_recorder import CHILD_DIRECTORY, LOG_VARIABLE, ROOT_VARIABLE, DepsRecorder
from tools.gate.file_deps import NOT_SOURCE, Deps
from tools.gate.import_graph import load_graph

TESTMON_FIELD = "nodes_files_lines"
"""The attribute testmon puts its per-test file/line data on, in the teardown report."""
_ACTIVE: list[DepsRecorder] = []
"""Every configured run in this process (a test may run pytest in-process): the audit hook's
listeners, each keeping what falls below its own root."""
_COUNTER = itertools.count()


@dataclass
class Run:
    """The plugin's state for one pytest configuration."""

    recorder: DepsRecorder
    lines: DepLines
    logs: Path
    saved_environ: dict[str, str | None]


RUN = pytest.StashKey[Run]()


def audit(event: str, args: tuple[object, ...]) -> None:
    """The process's audit hook: every configured run hears every event."""
    for recorder in _ACTIVE:
        recorder.on_event(event, args)


def _set_environ(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    root = Path(str(config.rootpath)).resolve()
    if not hasattr(config, "workerinput"):
        refresh(root)
    recorder = DepsRecorder(root)
    saved = {name: os.environ.get(name) for name in (ROOT_VARIABLE, "PYTHONPATH", LOG_VARIABLE)}
    config.stash[RUN] = Run(
        recorder,
        DepLines(root, lambda: load_graph(root), recorder.muted),
        Path(tempfile.mkdtemp(prefix="gate-deps-")),
        saved,
    )
    paths = [str(CHILD_DIRECTORY), *filter(None, [saved["PYTHONPATH"]])]
    _set_environ({ROOT_VARIABLE: str(root), "PYTHONPATH": os.pathsep.join(paths)})
    _ACTIVE.append(recorder)
    if not getattr(sys, "_gate_audit_hook", False):
        sys.addaudithook(audit)
        sys._gate_audit_hook = True  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        _ACTIVE.remove(run.recorder)
        _set_environ(run.saved_environ)
        shutil.rmtree(run.logs, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """Trace collection: the lines of project modules that run while the test modules are
    imported, which testmon (tracing from the first test on) never sees."""
    recorder = session.config.stash[RUN].recorder
    tracer = coverage.Coverage(
        data_file=None,
        config_file=False,
        include=[str(recorder.root / "*")],
        omit=[str(recorder.root / name / "*") for name in NOT_SOURCE],
    )
    tracer.set_option("run:disable_warnings", ["no-data-collected", "module-not-measured"])
    tracer.start()
    try:
        return (yield)
    finally:
        tracer.stop()
        keep_collection_lines(recorder, tracer.get_data())


def keep_collection_lines(recorder: DepsRecorder, data: coverage.CoverageData) -> None:
    for path in data.measured_files():
        relative = recorder.relative(path)
        if relative is not None:
            recorder.collection_lines[relative] = set(data.lines(path) or ())


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    if not isinstance(collector, pytest.Module):
        return (yield)
    recorder = collector.config.stash[RUN].recorder
    home = recorder.relative(collector.path) or ""
    with recorder.recording(recorder.by_module_file.setdefault(home, Deps())):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    if fixturedef.scope == "function":
        return (yield)
    recorder = request.config.stash[RUN].recorder
    with recorder.recording(recorder.by_fixture.setdefault(fixturedef.argname, Deps())):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    run = item.config.stash[RUN]
    recorder = run.recorder
    home = recorder.relative(item.path) or ""
    deps = recorder.deps_of(home, list(getattr(item, "fixturenames", ())))
    deps.update(Deps(lines=run.lines.import_lines(home, recorder.collection_lines)))
    recorder.pending[item.nodeid] = deps
    previous = os.environ.get(LOG_VARIABLE)
    os.environ[LOG_VARIABLE] = str(run.logs / f"{next(_COUNTER)}.jsonl")
    try:
        with recorder.recording(deps):
            return (yield)
    finally:
        _set_environ({LOG_VARIABLE: previous})


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when != "teardown":
        return report
    run = item.config.stash[RUN]
    log = Path(os.environ.get(LOG_VARIABLE, ""))
    if item.nodeid in run.recorder.pending and log.name:
        run.recorder.replay(log)  # inside the test's recording (pytest_runtest_protocol)
        log.unlink(missing_ok=True)
    nodes = cast("Mapping[str, dict[str, set[int]]] | None", getattr(report, TESTMON_FIELD, None))
    for nodeid, files in (nodes or {}).items():
        found = run.recorder.pending.pop(nodeid, None)
        if found is not None:
            for relative, lines in run.lines.files_lines(found).items():
                files.setdefault(relative, set()).update(lines)
    return report
