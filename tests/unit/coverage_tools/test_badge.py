"""The coverage badge: a pure function of the measured total, byte-stable, checked for staleness."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.coverage_tools.conftest import TOTAL
from tools.coverage.badge import badge_value, color_for, main, render_badge, shown_percent

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

GOLDEN_87 = Path(__file__).with_name("golden") / "coverage_87.svg"


def test_badge_bytes_are_fixed_for_a_percentage() -> None:
    golden = GOLDEN_87.read_bytes().decode("utf-8")
    assert render_badge(87.9) == golden
    assert render_badge(87.0) == golden


def test_badge_is_well_formed_svg_with_one_trailing_newline() -> None:
    svg = render_badge(100.0)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.attrib["aria-label"] == "coverage: 100%"
    assert svg.endswith("</svg>\n")
    assert not svg.endswith("\n\n")
    assert "\r" not in svg


@pytest.mark.parametrize(
    ("percent", "shown"),
    [(0.0, 0), (0.99, 0), (94.999, 94), (95.0, 95), (99.99, 99), (100.0, 100), (-3.0, 0)],
)
def test_the_shown_percent_is_rounded_down(percent: float, shown: int) -> None:
    assert shown_percent(percent) == shown
    assert badge_value(render_badge(percent)) == f"{shown}%"


def test_percent_above_100_is_clamped_and_nan_is_refused() -> None:
    assert shown_percent(100.5) == 100
    assert shown_percent(101.0) == 100
    assert shown_percent(250.0) == 100
    with pytest.raises(ValueError, match="NaN"):
        shown_percent(math.nan)


@pytest.mark.parametrize(
    ("shown", "color"),
    [
        (100, "#4c1"),
        (95, "#4c1"),
        (94, "#97ca00"),
        (90, "#97ca00"),
        (89, "#a4a61d"),
        (75, "#a4a61d"),
        (74, "#dfb317"),
        (60, "#dfb317"),
        (59, "#fe7d37"),
        (40, "#fe7d37"),
        (39, "#e05d44"),
        (0, "#e05d44"),
    ],
)
def test_color_scale_thresholds(shown: int, color: str) -> None:
    assert color_for(shown) == color
    assert f'fill="{color}"' in render_badge(float(shown))


def test_wider_values_widen_the_badge() -> None:
    widths = [ET.fromstring(render_badge(value)).attrib["width"] for value in (5.0, 55.0, 100.0)]
    assert widths == ["90", "97", "104"]


def test_main_writes_the_badge_then_finds_it_up_to_date(
    tmp_path: Path,
    write_data: Callable[[object], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_data(TOTAL)
    output = tmp_path / "assets" / "coverage.svg"

    assert main(["--data", str(data), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == render_badge(TOTAL)
    assert sorted(p.name for p in output.parent.iterdir()) == ["coverage.svg"]
    measured = "badge: 93% (measured 93.18%)\n"
    assert capsys.readouterr().out == f"{measured}badge: wrote {output.as_posix()}\n"

    assert main(["--data", str(data), "--output", str(output)]) == 0
    assert capsys.readouterr().out == f"{measured}badge: unchanged: {output.as_posix()}\n"

    assert main(["--check", "--data", str(data), "--output", str(output)]) == 0
    assert capsys.readouterr().out == f"{measured}badge: {output.as_posix()} is up to date\n"


def test_check_fails_with_one_line_naming_both_values(
    tmp_path: Path,
    write_data: Callable[[object], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_data(TOTAL)
    output = tmp_path / "coverage.svg"
    output.write_text(render_badge(91.0), encoding="utf-8")

    assert main(["--check", "--data", str(data), "--output", str(output)]) == 1

    err = capsys.readouterr().err
    assert err == (
        f"badge: {output.as_posix()} is stale: it shows 91% but the coverage data gives 93%;"
        " run `nox -s badge` and commit the result\n"
    )
    assert output.read_text(encoding="utf-8") == render_badge(91.0)


def test_check_notices_changed_bytes_with_the_same_percentage(
    tmp_path: Path,
    write_data: Callable[[object], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_data(TOTAL)
    output = tmp_path / "coverage.svg"
    output.write_bytes(render_badge(93.0).replace("\n", "\r\n").encode())

    assert main(["--check", "--data", str(data), "--output", str(output)]) == 1
    assert "it shows 93% but its bytes differ" in capsys.readouterr().err


def test_check_fails_when_the_badge_is_missing_or_foreign(
    tmp_path: Path,
    write_data: Callable[[object], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_data(TOTAL)
    output = tmp_path / "coverage.svg"

    assert main(["--check", "--data", str(data), "--output", str(output)]) == 1
    assert capsys.readouterr().err == (
        f"badge: {output.as_posix()} is missing; run `nox -s badge` and commit the result\n"
    )

    output.write_text("<svg/>\n", encoding="utf-8")
    assert main(["--check", "--data", str(data), "--output", str(output)]) == 1
    assert "it shows no percentage but the coverage data gives 93%" in capsys.readouterr().err


def test_missing_or_broken_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.json"
    assert main(["--data", str(missing), "--output", str(tmp_path / "b.svg")]) == 2
    assert capsys.readouterr().err == (
        f"badge: {missing.as_posix()} not found: run `nox -s tests` first\n"
    )

    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["--check", "--data", str(broken), "--output", str(tmp_path / "b.svg")]) == 2
    assert "broken.json: not valid JSON (" in capsys.readouterr().err
    assert not (tmp_path / "b.svg").exists()


def test_committed_badge_is_an_unmodified_render() -> None:
    """The committed badge must be exactly what the renderer writes for the value it shows."""
    committed = (REPO_ROOT / "docs" / "assets" / "coverage.svg").read_text(encoding="utf-8")
    value = badge_value(committed)
    assert value is not None
    assert committed == render_badge(float(value.rstrip("%")))


def test_module_runs_as_a_script(tmp_path: Path, write_data: Callable[[object], Path]) -> None:
    data = write_data(TOTAL)
    output = tmp_path / "badge.svg"
    command = [sys.executable, "-m", "tools.coverage.badge", "--data", str(data)]
    result = subprocess.run(
        [*command, "--output", str(output)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"badge: 93% (measured 93.18%)\nbadge: wrote {output.as_posix()}\n"
    assert output.read_text(encoding="utf-8") == render_badge(93.18)


def test_the_module_as_a_script_writes_the_golden_bytes(
    tmp_path: Path, write_data: Callable[[object], Path]
) -> None:
    """A fresh interpreter (its own width table, padding and colours) writes the golden badge."""
    data = write_data(87.5)
    output = tmp_path / "badge.svg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.coverage.badge",
            "--data",
            str(data),
            "--output",
            str(output),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert output.read_bytes() == GOLDEN_87.read_bytes()


def test_a_character_outside_the_width_table_is_as_wide_as_a_digit() -> None:
    script = "from tools.coverage.badge import text_width; print(text_width('Zx'), text_width('7'))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "14 7\n")
