"""The no-mock sweep finds every banned form on the right line and lets the allowed ones pass."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tools.checks.no_mocks import main, sweep, sweep_source

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]


def findings_in(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    """(line, message) of every finding in ``source`` written to a test file under tmp_path."""
    path = tmp_path / "test_snippet.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    found, count = sweep([path])
    assert count == 1
    return [(finding.line, finding.message) for finding in found]


def lines_in(tmp_path: Path, source: str) -> list[int]:
    return [line for line, _ in findings_in(tmp_path, source)]


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        ("import os\nimport unittest.mock\n", 2, "imports unittest.mock"),
        ("import unittest.mock as um\n", 1, "imports unittest.mock"),
        ("x = 1\n\nfrom unittest import mock\n", 3, "imports unittest.mock"),
        ("from unittest.mock import patch\n", 1, "imports from unittest.mock"),
        ("import mock\n", 1, "imports mock"),
        ("from mock import patch\n", 1, "imports from mock"),
        ("import pytest_mock\n", 1, "imports pytest_mock"),
        ("from pytest_mock import MockerFixture\n", 1, "imports from pytest_mock"),
        ("import importlib\nm = importlib.import_module('unittest.mock')\n", 2, "imports unittest"),
        ("m = __import__('mock')\n", 1, "imports mock"),
        ("import pytest\npytest.importorskip('pytest_mock')\n", 2, "imports pytest_mock"),
        ("import unittest\n\nunittest.mock.patch('x')\n", 3, "uses unittest.mock"),
        ("def f(fake):\n    return fake.MagicMock()\n", 2, "uses MagicMock"),
        ("value = AsyncMock()\n", 1, "uses AsyncMock"),
        ("spec = create_autospec\n", 1, "uses create_autospec"),
        ("from somewhere import MagicMock\n", 1, "imports MagicMock"),
    ],
)
def test_mock_imports_and_classes_are_found(
    tmp_path: Path, source: str, line: int, what: str
) -> None:
    found = findings_in(tmp_path, source)
    assert [number for number, _ in found] == [line]
    message = found[0][1]
    assert message.startswith(what)
    assert "no mocks; test the real thing instead" in message


def test_every_finding_of_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    source = """\
        from unittest import mock
        from ml_playground import cli

        def test_x(monkeypatch, mocker):
            monkeypatch.setattr(cli, "main", mock.MagicMock())
    """
    assert lines_in(tmp_path, source) == [1, 4, 5, 5]


def test_unparsable_files_are_findings(tmp_path: Path) -> None:
    assert sweep_source("def broken(:\n", "x.py")[0].message.startswith("cannot be parsed")


def test_directories_are_searched_and_hidden_or_cache_dirs_skipped(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / ".venv").mkdir()
    (tmp_path / "pkg" / "test_a.py").write_text("import mock\n", encoding="utf-8")
    (tmp_path / "pkg" / "__pycache__" / "test_b.py").write_text("import mock\n")
    (tmp_path / ".venv" / "c.py").write_text("import mock\n", encoding="utf-8")
    (tmp_path / "pkg" / "notes.txt").write_text("import mock\n", encoding="utf-8")
    found, count = sweep([tmp_path])
    assert count == 1
    assert [Path(finding.path).name for finding in found] == ["test_a.py"]


def test_main_prints_one_line_per_finding_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "test_bad.py"
    bad.write_text("import os\nfrom unittest.mock import patch\n", encoding="utf-8")
    good = tmp_path / "test_good.py"
    good.write_text("def test_ok(monkeypatch):\n    monkeypatch.setenv('A', 'b')\n")

    assert main([str(tmp_path)]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{bad.as_posix()}:2: imports from unittest.mock: no mocks; test the real thing instead"
        " (real files, processes, git repositories, local servers) or pass the collaborator in"
        " through a real parameter"
    ]
    assert captured.err == "no_mocks: 1 finding(s) in 1 file(s) of 2 swept\n"


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


def test_a_test_importing_unittest_mock_fails_the_sweep(tmp_path: Path) -> None:
    """The quality session's command, run for real on a test file that imports unittest.mock."""
    test_file = tmp_path / "tests" / "test_uses_mock.py"
    test_file.parent.mkdir()
    test_file.write_text(
        "from __future__ import annotations\n\nimport unittest.mock\n\n\n"
        "def test_fake() -> None:\n    assert unittest.mock.MagicMock()\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tools.checks.no_mocks", str(test_file)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{test_file.as_posix()}:3",
        f"{test_file.as_posix()}:7",
        f"{test_file.as_posix()}:7",
    ]
    assert lines[0].split(": ")[1] == "imports unittest.mock"
    assert "uses unittest.mock" in lines[1] or "uses MagicMock" in lines[1]


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
