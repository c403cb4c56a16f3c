"""The no-mock sweep finds every form ruff's banned-api rule cannot see, on the right line, and
lets the allowed ones pass."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from tools.checks.no_mocks import MOCK_MODULES, sweep_source

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]


def findings_in(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    """(line, message) of every finding in ``source``."""
    found = sweep_source(textwrap.dedent(source), "test_snippet.py")
    return [(int(line), message) for _, line, message in (f.split(":", 2) for f in found)]


def test_ruff_bans_exactly_the_modules_the_sweep_finds_by_name() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    banned = pyproject["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    assert sorted(banned) == sorted(MOCK_MODULES)


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        ("import importlib\nm = importlib.import_module('unittest.mock')\n", 2, "unittest.mock"),
        ("m = __import__('mock')\n", 1, "mock"),
        ("import pytest\npytest.importorskip('pytest_mock')\n", 2, "pytest_mock"),
        ("import pytest\npytest.importorskip('pytest_mock.plugin')\n", 2, "pytest_mock.plugin"),
    ],
)
def test_mock_modules_imported_at_run_time_are_found(
    tmp_path: Path, source: str, line: int, what: str
) -> None:
    found = findings_in(tmp_path, source)
    assert found == [
        (
            line,
            f" imports {what}: no mocks; test the real thing (real files,"
            " processes, git repositories, local servers) or pass the collaborator in"
            " through a real parameter",
        )
    ]


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("def test_x(tmp_path, mocker):\n    pass\n", 1),
        ("async def test_x(\n    session_mocker,\n):\n    pass\n", 2),
        ("def test_x(request):\n    request.getfixturevalue('mocker')\n", 2),
        ("import pytest\n\n@pytest.mark.usefixtures('mocker')\ndef test_x():\n    pass\n", 3),
        ("handler = lambda mocker: mocker\n", 1),
    ],
)
def test_the_mocker_fixture_is_found(tmp_path: Path, source: str, line: int) -> None:
    found = findings_in(tmp_path, source)
    assert [number for number, _ in found] == [line]
    assert "pytest-mock fixture" in found[0][1]


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (
            """\
            from ml_playground.core import devices

            def test_x(monkeypatch):
                monkeypatch.setattr(devices, "resolve_device", lambda *a: None)
            """,
            4,
        ),
        (
            """\
            def test_x(monkeypatch):
                monkeypatch.setattr("ml_playground.core.devices.resolve_device", print)
            """,
            2,
        ),
        (
            """\
            def test_x(monkeypatch):
                monkeypatch.delattr("tools.workflow.git.Git.run")
            """,
            2,
        ),
        (
            """\
            import tools.workflow.git as git_module

            def test_x(monkeypatch):
                monkeypatch.setattr(git_module.Git, "run", print)
            """,
            4,
        ),
        (
            """\
            from tools.workflow.ledger_model import STATUSES

            def test_x(monkeypatch):
                monkeypatch.setitem(STATUSES, 0, "Closed")
            """,
            4,
        ),
        (
            """\
            import sys

            def test_x(monkeypatch):
                monkeypatch.setitem(sys.modules, "ml_playground.cli", None)
            """,
            4,
        ),
        (
            """\
            import pytest
            import ml_playground.cli

            def test_x():
                with pytest.MonkeyPatch.context() as mp:
                    mp.setattr(ml_playground.cli, "main", print)
            """,
            6,
        ),
        (
            """\
            import pytest
            from ml_playground import cli

            def test_x():
                patcher = pytest.MonkeyPatch()
                patcher.setattr(cli, "main", print)
            """,
            6,
        ),
        (
            """\
            import importlib

            def test_x(monkeypatch):
                module = importlib.import_module("ml_playground.cli")
                monkeypatch.setattr(module, "main", print)
            """,
            5,
        ),
    ],
)
def test_monkeypatching_project_code_is_found(tmp_path: Path, source: str, line: int) -> None:
    found = findings_in(tmp_path, source)
    assert [number for number, _ in found] == [line]
    assert "project" in found[0][1]
    assert "inject the dependency through a real parameter instead" in found[0][1]
