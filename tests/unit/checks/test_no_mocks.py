"""The no-mock sweep finds every form ruff's banned-api rule cannot see, on the right line, and
lets the allowed ones pass."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from tools.checks.no_mocks import MOCK_MODULES, main, sweep_source

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
        ("import pytest\npytest.importorskip('pytest_mock', '3.0')\n", 2, "pytest_mock"),
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
        (
            """\
            def test_x(monkeypatch):
                cli = __import__("ml_playground.cli", globals(), locals(), ["main"])
                monkeypatch.setattr(cli, "main", print)
            """,
            3,
        ),
        (
            """\
            import sys

            def test_x(monkeypatch):
                monkeypatch.delitem(sys.modules, "ml_playground.cli")
            """,
            4,
        ),
    ],
)
def test_monkeypatching_project_code_is_found(tmp_path: Path, source: str, line: int) -> None:
    found = findings_in(tmp_path, source)
    assert [number for number, _ in found] == [line]
    assert "project" in found[0][1]
    assert "inject the dependency through a real parameter instead" in found[0][1]


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        (
            "from ml_playground.core import devices\n\ndevices.torch = None\n",
            3,
            "changes project code (devices.torch)",
        ),
        (
            "from ml_playground.cli import build_parser\nbuild_parser.x: int = 1\n",
            2,
            "changes project code (build_parser.x)",
        ),
        (
            "import ml_playground.cli\nml_playground.cli.PROG += 'x'\n",
            2,
            "changes project code (ml_playground.cli.PROG)",
        ),
        (
            "from ml_playground import cli\ndel cli.main\n",
            2,
            "changes project code (cli.main)",
        ),
        (
            "from ml_playground import cli\nsetattr(cli, 'main', print)\n",
            2,
            "setattr() on project code (cli)",
        ),
    ],
)
def test_patching_project_code_by_hand_is_found(
    tmp_path: Path, source: str, line: int, what: str
) -> None:
    found = findings_in(tmp_path, source)
    assert [(number, message.split(":")[0].strip()) for number, message in found] == [(line, what)]


def test_allowed_forms_pass(tmp_path: Path) -> None:
    source = """\
        import importlib
        import os
        import sys
        from dataclasses import dataclass

        import pytest

        from . import helpers
        from ml_playground.core.devices import resolve_device
        from tools.workflow.reporter import Reporter


        @dataclass
        class Box:
            value: int


        @pytest.mark.usefixtures("tmp_path")
        def test_allowed(monkeypatch, tmp_path, request):
            monkeypatch.setenv("ML_PLAYGROUND_TRAIN_OVERRIDES", "{}")
            monkeypatch.delenv("HOME", raising=False)
            monkeypatch.chdir(tmp_path)
            monkeypatch.syspath_prepend(str(tmp_path))
            monkeypatch.setattr(sys, "argv", ["prog"])
            monkeypatch.setitem(os.environ, "X", "1")
            monkeypatch.setattr("os.sep", "/")
            json_module = importlib.import_module("json")
            monkeypatch.setattr(json_module, "dumps", repr)
            named = importlib.import_module(os.environ["X"])
            monkeypatch.setattr(named, "value", 1)
            box = Box(1)
            box.value = 2
            setattr(box, "value", 3)
            device = resolve_device("auto", cuda_available=lambda: False)
            reporter = Reporter()
            reporter.verbose = True
            mock_name = "unittest.mock is only mentioned in a string"
            registry = {}
            helpers.registry.setitem("key", 1)
            monkeypatch.setattr()
            request.getfixturevalue("tmp_path")
            assert device and mock_name
    """
    assert findings_in(tmp_path, source) == []


def test_every_finding_of_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    source = """\
        from ml_playground import cli

        def test_x(monkeypatch, mocker):
            monkeypatch.setattr(cli, "main", print)
            cli.main = print
    """
    assert [line for line, _ in findings_in(tmp_path, source)] == [3, 4, 5]


def test_unparsable_files_are_findings() -> None:
    assert sweep_source("def broken(:\n", "x.py") == ["x.py:1: cannot be parsed (invalid syntax)"]


def test_a_file_the_parser_refuses_before_any_line_is_reported_on_line_0() -> None:
    assert sweep_source("x = 1\x00\n", "x.py") == [
        "x.py:0: cannot be parsed (source code string cannot contain null bytes)"
    ]


def test_main_searches_directories_prints_one_line_per_finding_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "pkg" / "test_bad.py"
    for skipped in ("pkg/__pycache__/test_b.py", ".venv/c.py", "pkg/notes.txt"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text("def test(mocker): pass\n", encoding="utf-8")
    bad.write_text("import os\n\ndef test_x(mocker):\n    pass\n", encoding="utf-8")
    good = tmp_path / "test_good.py"
    good.write_text("def test_ok(monkeypatch):\n    monkeypatch.setenv('A', 'b')\n")

    assert main([str(tmp_path)]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{bad.as_posix()}:3: uses the pytest-mock fixture `mocker`: no mocks; test the real"
        " thing (real files, processes, git repositories, local servers) or pass the"
        " collaborator in through a real parameter"
    ]
    assert captured.err == "no_mocks: 1 finding(s) in 2 file(s)\n"


def test_main_passes_a_clean_tree_and_refuses_missing_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "no_mocks: 1 files swept; no mocks and no monkeypatching of project code\n"
    )
    assert main([str(tmp_path / "absent")]) == 2
    assert capsys.readouterr().err == (
        f"no_mocks: {(tmp_path / 'absent').as_posix()}: no such file or directory\n"
    )


def test_the_project_passes_its_own_sweep() -> None:
    """Run from the repository root exactly as the quality session does."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.checks.no_mocks"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.count("\n"), result.stderr) == (0, 1, ""), (
        result.stdout
    )
