"""The PEP 420 check fails on every __init__.py that is not an annotated exception."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.checks.pep420 import check, check_source, main, marker_reasons

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
REASON = "# TODO(pep420): hatchling metadata shim until the plugin reads namespaces\n"


@pytest.mark.parametrize(
    ("source", "reasons"),
    [
        ("", []),
        ('"""A package."""\n', []),
        (REASON, ["hatchling metadata shim until the plugin reads namespaces"]),
        (
            "x = 1\n    #TODO(pep420) keeps the old import path alive\n",
            ["keeps the old import path alive"],
        ),
        ("# TODO(pep420):\n", [""]),
        ("# todo(pep420): lower case is not the marker\n", []),
    ],
)
def test_marker_reasons(source: str, reasons: list[str]) -> None:
    assert marker_reasons(source) == reasons


def test_an_annotated_init_passes() -> None:
    assert check_source(REASON, "pkg/__init__.py") is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "__init__.py without a TODO(pep420) comment"),
        ('"""Docstring only."""\n', "__init__.py without a TODO(pep420) comment"),
        ("# TODO(pep420):\n", "TODO(pep420) comment without a reason (at least 3 words)"),
        ("# TODO(pep420): legacy\n", "TODO(pep420) comment without a reason"),
    ],
)
def test_unannotated_inits_are_findings(source: str, message: str) -> None:
    finding = check_source(source, "pkg/__init__.py")
    assert finding is not None
    assert finding.startswith(f"pkg/__init__.py:1: {message}")
    assert "delete it (packages are PEP 420 namespace packages)" in finding


def test_a_reason_of_exactly_three_words_is_enough_and_two_are_not() -> None:
    three = check_source("# TODO(pep420): legacy import path\n", "a/__init__.py")
    two = check_source("# TODO(pep420): legacy import\n", "a/__init__.py")

    assert three is None
    assert two == (
        "a/__init__.py:1: TODO(pep420) comment without a reason (at least 3 words): "
        "delete it (packages are PEP 420 namespace packages), or keep it as an exception "
        "with a `# TODO(pep420): <why it must stay and what removes it>` comment"
    )


def test_check_walks_directories_and_skips_hidden_and_cache(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "a" / "b" / "__init__.py").write_text(REASON, encoding="utf-8")
    (tmp_path / "a" / "b" / "module.py").write_text("", encoding="utf-8")
    for skipped in (".venv", "__pycache__"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "__init__.py").write_text("", encoding="utf-8")
    findings, exceptions = check([tmp_path])
    assert [finding.split(":")[0] for finding in findings] == [
        (tmp_path / "a" / "__init__.py").as_posix()
    ]
    assert exceptions == [tmp_path / "a" / "b" / "__init__.py"]


def test_a_file_given_directly_counts_only_when_it_is_an_init(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text("", encoding="utf-8")
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    assert check([tmp_path / "module.py"]) == ([], [])
    findings, _ = check([tmp_path / "module.py", tmp_path / "__init__.py"])
    assert [finding.split(":")[0] for finding in findings] == [
        (tmp_path / "__init__.py").as_posix()
    ]


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init = tmp_path / "__init__.py"
    init.write_text(REASON, encoding="utf-8")
    assert main([str(init), str(tmp_path / "module.py")]) == 2
    assert "module.py: no such file or directory" in capsys.readouterr().err
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"annotated exception: {init.as_posix()}" in out
    assert out.endswith("(1 annotated exception(s))\n")
    init.write_text("", encoding="utf-8")
    assert main([str(init)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{init.as_posix()}:1: __init__.py without")
    assert captured.err == "pep420: 1 __init__.py file(s) to remove or annotate\n"


def test_the_repository_has_no_unannotated_init() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tools.checks.pep420"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout
    assert "pep420: no unannotated __init__.py" in completed.stdout
