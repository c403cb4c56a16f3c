"""pytest plugin: add to pytest-testmon's data what each test depends on besides the Python
lines it runs in-process, so that testmon's selection is sound for those too.

An audit hook (:func:`sys.addaudithook`, built by :mod:`tools.gate.child.sitecustomize`) sees
every ``open``, directory listing, process start and fork of the test process; Python processes
a test starts log the same themselves. :mod:`tools.gate.deps` turns those records into
dependencies, :mod:`tools.gate.dep_lines` into files and lines.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import coverage
import pytest

from tools.gate.child.sitecustomize import LOG_VARIABLE, ROOT_VARIABLE, AuditHook, make_hook
from tools.gate.dep_lines import DepLines, refresh
from tools.gate.deps import NOT_SOURCE, Deps, DepsRecorder
from tools.gate.import_graph import load_graph

CHILD_DIRECTORY = Path(__file__).resolve().parent / "child"
"""Holds the ``sitecustomize.py`` that the Python processes a test starts run."""
TESTMON_FIELD = "nodes_files_lines"
"""The attribute testmon puts its per-test file/line data on, in the teardown report."""
_ACTIVE: list[tuple[DepsRecorder, AuditHook]] = []
"""Every configured run in this process (a test may run pytest in-process): the audit hook's
listeners, each keeping what falls below its own root."""
_COUNTER = itertools.count()


@dataclass
class Run:
    """The plugin's state for one pytest configuration."""

    recorder: DepsRecorder
    lines: DepLines
    logs: Path
    environ: pytest.MonkeyPatch
    collection_lines: dict[str, set[int]] = field(default_factory=lambda: dict[str, set[int]]())
    """Lines of repository files that ran while pytest collected (imported) the tests."""


RUN = pytest.StashKey[Run]()


def audit(event: str, args: tuple[object, ...]) -> None:
    """The process's audit hook: every configured run that records hears every event."""
    for recorder, hook in _ACTIVE:
        if recorder.active and not recorder.muted:
            hook(event, args)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    root = Path(str(config.rootpath)).resolve()
    if not hasattr(config, "workerinput"):
        refresh(root)
    recorder = DepsRecorder(root)
    lines = DepLines(root, lambda: load_graph(root), recorder.mute)
    run = Run(recorder, lines, Path(tempfile.mkdtemp(prefix="gate-deps-")), pytest.MonkeyPatch())
    config.stash[RUN] = run
    run.environ.setenv(ROOT_VARIABLE, str(root))
    run.environ.setenv("PYTHONPATH", str(CHILD_DIRECTORY), prepend=os.pathsep)
    _ACTIVE.append((recorder, make_hook(str(root), recorder.take, in_test=True)))
    if not getattr(sys, "_gate_audit_hook", False):
        sys.addaudithook(audit)
        sys._gate_audit_hook = True  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        _ACTIVE[:] = [entry for entry in _ACTIVE if entry[0] is not run.recorder]
        run.environ.undo()
        shutil.rmtree(run.logs, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """Trace collection: the lines of project modules that run while the test modules are
    imported, which testmon (tracing from the first test on) never sees.

    Under coverage.py (the project measuring its own tests, never the gate), a second
    ``Coverage`` would stop the running one from saving its data, so the lines that one measured
    so far stand in: more than collection ran for the files it measures (its ``source``); other
    files keep only their first statement (:meth:`DepLines.import_lines`)."""
    run = session.config.stash[RUN]
    measuring = coverage.Coverage.current()
    tracer = measuring or _collection_tracer(run.recorder.root)
    if measuring is None:  # pragma: no cover  (runs only where coverage.py does not)
        tracer.start()
    try:
        return (yield)
    finally:
        if measuring is None:  # pragma: no cover
            tracer.stop()
        data = tracer.get_data()
        for path in data.measured_files():
            relative = run.recorder.relative(str(Path(path).resolve()))
            if relative is not None:
                run.collection_lines[relative] = set(data.lines(path) or ())


def _collection_tracer(root: Path) -> coverage.Coverage:  # pragma: no cover  (as above)
    tracer = coverage.Coverage(
        data_file=None,
        config_file=False,
        include=[str(root / "*")],
        omit=[str(root / name / "*") for name in NOT_SOURCE],
    )
    tracer.set_option("run:disable_warnings", ["no-data-collected", "module-not-measured"])
    return tracer


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    if not isinstance(collector, pytest.Module):
        return (yield)
    recorder = collector.config.stash[RUN].recorder
    home = recorder.relative(str(collector.path)) or ""
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
        try:
            return (yield)
        finally:  # what the processes it started logged, for the fixture's later users too
            recorder.replay(Path(os.environ[LOG_VARIABLE]))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    recorder = item.config.stash[RUN].recorder
    home = recorder.relative(str(item.path)) or ""
    deps = recorder.deps_of(home, list(getattr(item, "fixturenames", ())))
    recorder.pending[item.nodeid] = deps
    log = item.config.stash[RUN].logs / f"{next(_COUNTER)}.jsonl"
    with pytest.MonkeyPatch.context() as environ, recorder.recording(deps):
        environ.setenv(LOG_VARIABLE, str(log))
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    run = item.config.stash[RUN]
    if call.when != "teardown" or item.nodeid not in run.recorder.pending:
        return report
    log = Path(os.environ[LOG_VARIABLE])
    run.recorder.replay(log)  # inside the test's recording (pytest_runtest_protocol)
    log.unlink(missing_ok=True)
    nodes = cast("Mapping[str, dict[str, set[int]]] | None", getattr(report, TESTMON_FIELD, None))
    for nodeid, files in (nodes or {}).items():  # testmon reports a batch of tests at once
        deps = run.recorder.pending.pop(nodeid, None)
        if deps is not None:
            imports = run.lines.import_lines(nodeid.partition("::")[0], run.collection_lines)
            for relative, lines in [*run.lines.files_lines(deps).items(), *imports.items()]:
                files.setdefault(relative, set()).update(lines)
    return report
