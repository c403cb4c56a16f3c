"""The coverage ratchet: the floor holds, gains of more than a point must be locked in."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.coverage.coverage_data import CoverageError
from tools.coverage.ratchet import (
    judge,
    main,
    raised_floor,
    read_floor,
    with_floor,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

PYPROJECT = """\
[project]
name = "x"

[tool.coverage.run]
branch = true

[tool.coverage.report]
# the ratchet
fail_under = 91
precision = 2

[tool.other]
fail_under = 5
"""


def test_the_project_has_exactly_one_integer_floor() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = read_floor(text)
    assert floor == int(floor)
    assert 0 < floor <= 100
    assert [line for line in text.splitlines() if line.startswith("fail_under")] == [
        f"fail_under = {int(floor)}"
    ]
    assert tomllib.loads(text)["tool"]["coverage"]["report"]["fail_under"] == floor


def test_read_floor() -> None:
    assert read_floor(PYPROJECT) == 91.0
    assert read_floor(PYPROJECT.replace("= 91", "= 90.5")) == 90.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.coverage.report]\nprecision = 2\n", "fail_under is not set"),
        ("[tool.coverage.report]\nfail_under = true\n", "fail_under is not set"),
        ("[tool.coverage]\nreport = 3\n", "fail_under is not set"),
        ("[tool.coverage.report\n", "not valid TOML"),
    ],
)
def test_unusable_floors_are_refused(text: str, message: str) -> None:
    with pytest.raises(CoverageError, match=message):
        read_floor(text)


@pytest.mark.parametrize(
    ("total", "ok"),
    [(91.0, True), (91.5, True), (92.0, True), (92.01, False), (90.99, False), (99.0, False)],
)
def test_the_total_must_stay_within_one_point_above_the_floor(total: float, ok: bool) -> None:
    assert judge(total, 91.0).ok is ok


def test_messages_say_what_to_do() -> None:
    assert judge(90.5, 91.0).message == (
        "coverage 90.50% is below the floor fail_under = 91; add tests for the new code"
        " (the floor is never lowered)"
    )
    assert judge(93.47, 91.0).message == (
        "coverage 93.47% is more than 1 point above the floor fail_under = 91; raise it to 93"
        " in [tool.coverage.report] (run `python -m tools.coverage.ratchet --update`) so the"
        " gain is kept"
    )
    assert judge(91.2, 91.0).message == "coverage 91.20% holds the floor fail_under = 91"


@pytest.mark.parametrize(("total", "floor"), [(93.99, 93), (93.0, 93), (100.0, 100), (0.4, 0)])
def test_raised_floor_is_the_total_rounded_down(total: float, floor: int) -> None:
    assert raised_floor(total) == floor
    assert judge(total, floor).ok


def test_with_floor_changes_only_the_report_floor() -> None:
    updated = with_floor(PYPROJECT, 94)
    assert updated == PYPROJECT.replace("fail_under = 91", "fail_under = 94")
    assert "[tool.other]\nfail_under = 5\n" in updated


def test_with_floor_keeps_crlf_line_endings() -> None:
    crlf = PYPROJECT.replace("\n", "\r\n")
    assert with_floor(crlf, 94) == crlf.replace("fail_under = 91", "fail_under = 94")


def test_with_floor_needs_the_section_and_the_line() -> None:
    with pytest.raises(CoverageError, match=r"no \[tool.coverage.report\] section"):
        with_floor("[tool.other]\nfail_under = 5\n", 94)
    with pytest.raises(CoverageError, match="has no fail_under line"):
        with_floor("[tool.coverage.report]\nprecision = 2\n[tool.other]\nfail_under = 5\n", 94)


@pytest.fixture
def project(
    tmp_path: Path, write_data: Callable[[object], Path]
) -> Callable[[int, int], tuple[Path, Path]]:
    """A pyproject.toml with ``fail_under = 91`` and a report with the given line counts."""

    def build(covered: int, statements: int) -> tuple[Path, Path]:
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text(PYPROJECT, encoding="utf-8")
        return write_data(100 * covered / statements), pyproject

    return build


def test_main_passes_within_the_band(
    project: Callable[[int, int], tuple[Path, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    data, pyproject = project(915, 1000)
    assert main(["--data", str(data), "--pyproject", str(pyproject)]) == 0
    assert capsys.readouterr().out == "ratchet: coverage 91.50% holds the floor fail_under = 91\n"


def test_main_fails_when_the_gain_is_not_locked_in(
    project: Callable[[int, int], tuple[Path, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    data, pyproject = project(935, 1000)
    assert main(["--data", str(data), "--pyproject", str(pyproject)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ratchet: coverage 93.50% is more than 1 point above")
    assert err.count("\n") == 1
    assert pyproject.read_text(encoding="utf-8") == PYPROJECT


def test_main_update_raises_the_floor_and_then_passes(
    project: Callable[[int, int], tuple[Path, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    data, pyproject = project(935, 1000)
    assert main(["--update", "--data", str(data), "--pyproject", str(pyproject)]) == 0
    assert capsys.readouterr().out == (
        "ratchet: raised fail_under from 91 to 93\n"
        "ratchet: coverage 93.50% holds the floor fail_under = 93\n"
    )
    assert pyproject.read_text(encoding="utf-8") == PYPROJECT.replace("= 91", "= 93")
    assert sorted(p.name for p in pyproject.parent.iterdir()) == ["coverage.json", "pyproject.toml"]


def test_main_update_never_lowers_the_floor(
    project: Callable[[int, int], tuple[Path, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    data, pyproject = project(900, 1000)
    assert main(["--update", "--data", str(data), "--pyproject", str(pyproject)]) == 1
    assert "is below the floor fail_under = 91" in capsys.readouterr().err
    assert pyproject.read_text(encoding="utf-8") == PYPROJECT


def test_main_reports_missing_inputs_with_exit_2(
    tmp_path: Path,
    project: Callable[[int, int], tuple[Path, Path]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data, pyproject = project(915, 1000)
    missing = tmp_path / "missing.json"
    assert main(["--data", str(missing), "--pyproject", str(pyproject)]) == 2
    assert capsys.readouterr().err == (
        f"ratchet: {missing.as_posix()} not found: run `nox -s coverage` first\n"
    )
    gone = tmp_path / "nowhere.toml"
    assert main(["--data", str(data), "--pyproject", str(gone)]) == 2
    assert capsys.readouterr().err.startswith(f"ratchet: {gone.as_posix()}: cannot read")
    pyproject.write_text("[tool.coverage.report]\n", encoding="utf-8")
    assert main(["--data", str(data), "--pyproject", str(pyproject)]) == 2
    assert "fail_under is not set" in capsys.readouterr().err


def test_main_update_refuses_a_floor_it_cannot_rewrite_in_place(
    project: Callable[[int, int], tuple[Path, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    data, pyproject = project(935, 1000)
    dotted = "[tool.coverage]\nreport.fail_under = 91\n"
    pyproject.write_text(dotted, encoding="utf-8")

    assert main(["--update", "--data", str(data), "--pyproject", str(pyproject)]) == 2

    assert capsys.readouterr().err == (
        "ratchet: pyproject.toml has no [tool.coverage.report] section\n"
    )
    assert pyproject.read_text(encoding="utf-8") == dotted
