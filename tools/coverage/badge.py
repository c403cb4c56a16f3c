"""The coverage badge: ``docs/assets/coverage.svg`` as a pure function of the measured total.

Usage: ``python -m tools.coverage.badge [--check] [--data PATH] [--output PATH]`` (run by
``nox -s badge``; ``nox -s badge -- --check`` verifies the committed file).

What the badge shows
    The total of ``coverage report`` (lines and branches together, the figure ``fail_under``
    is compared with), read from the JSON report and **rounded down to a whole percent**: the
    badge never claims more than was measured, and it says 100% only when nothing is missed.
    Whole percents also keep the badge still while the exact figure moves by a few hundredths.

Colour scale (fixed, on the shown whole percent)
    >= 95 brightgreen ``#4c1``, >= 90 green ``#97ca00``, >= 75 yellowgreen ``#a4a61d``,
    >= 60 yellow ``#dfb317``, >= 40 orange ``#fe7d37``, below 40 red ``#e05d44``.

Stable output
    No timestamp, no network, no fonts read from the machine: text widths come from a fixed
    table of Verdana 11px advance widths (:data:`ADVANCE_PX`), every number is an integer or
    written with one decimal, attributes are in a fixed order, and the file ends with one
    newline. The same percentage gives the same bytes on every OS.

Exit codes: 0 written or up to date; 1 ``--check`` found the committed badge stale or
missing; 2 the coverage data is missing or unreadable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tools.coverage.coverage_data import DEFAULT_DATA, total_percent
from tools.coverage.generated_files import generate

DEFAULT_OUTPUT = Path("docs/assets/coverage.svg")
UPDATE_HINT = "run `nox -s badge` and commit the result"
LABEL = "coverage"

COLOR_SCALE: tuple[tuple[int, str], ...] = (
    (95, "#4c1"),
    (90, "#97ca00"),
    (75, "#a4a61d"),
    (60, "#dfb317"),
    (40, "#fe7d37"),
    # Equivalent: the shown percent is clamped to 0-100, so a lowest of 0 or -1 picks alike
    (0, "#e05d44"),  # pragma: no mutate
)
"""(lowest whole percent, colour), highest first; the first row the percent reaches wins."""

ADVANCE_PX: Mapping[str, float] = {
    **dict.fromkeys("0123456789", 7.0),
    "%": 11.9,
    "a": 6.6,
    "c": 5.7,
    "e": 6.6,
    "g": 6.8,
    "o": 6.7,
    "r": 4.7,
    "v": 6.5,
}
"""Approximate advance widths (px) of Verdana at 11px for the characters a badge can show."""
DEFAULT_ADVANCE_PX = 7.0
PADDING_PX = 10
"""Horizontal padding of each half (5 px on either side of its text)."""

_SHOWN = re.compile(r'aria-label="coverage: (?P<value>[^"]*)"')


def shown_percent(percent: float) -> int:
    """The whole percent a badge shows for ``percent`` (rounded down, clamped to 0-100)."""
    return min(100, max(0, math.floor(percent)))


def color_for(shown: int) -> str:
    return next(color for lowest, color in COLOR_SCALE if shown >= lowest)


def text_width(text: str) -> int:
    """Pixel width of ``text`` from the fixed advance table, rounded up."""
    return math.ceil(sum(ADVANCE_PX.get(char, DEFAULT_ADVANCE_PX) for char in text))


def render_badge(percent: float) -> str:
    """The SVG document (with a final newline) for a measured total of ``percent``."""
    shown = shown_percent(percent)
    value = f"{shown}%"
    label_width = text_width(LABEL) + PADDING_PX
    value_width = text_width(value) + PADDING_PX
    width = label_width + value_width
    label_x = label_width / 2
    value_x = label_width + value_width / 2
    color = color_for(shown)
    title = f"{LABEL}: {value}"
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img"'
        f' aria-label="{title}">',
        f"  <title>{title}</title>",
        '  <linearGradient id="smooth" x2="0" y2="100%">',
        '    <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>',
        '    <stop offset="1" stop-opacity=".1"/>',
        "  </linearGradient>",
        '  <clipPath id="round">',
        f'    <rect width="{width}" height="20" rx="3" fill="#fff"/>',
        "  </clipPath>",
        '  <g clip-path="url(#round)">',
        f'    <rect width="{label_width}" height="20" fill="#555"/>',
        f'    <rect x="{label_width}" width="{value_width}" height="20" fill="{color}"/>',
        f'    <rect width="{width}" height="20" fill="url(#smooth)"/>',
        "  </g>",
        '  <g fill="#fff" text-anchor="middle"'
        ' font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
        f'    <text x="{label_x:.1f}" y="15" fill="#010101" fill-opacity=".3">{LABEL}</text>',
        f'    <text x="{label_x:.1f}" y="14">{LABEL}</text>',
        f'    <text x="{value_x:.1f}" y="15" fill="#010101" fill-opacity=".3">{value}</text>',
        f'    <text x="{value_x:.1f}" y="14">{value}</text>',
        "  </g>",
        "</svg>",
    ]
    return "\n".join(lines) + "\n"


def badge_value(svg: str) -> str | None:
    """What a badge file says (``"93%"``), or None when it is not one of ours."""
    match = _SHOWN.search(svg)
    return match.group("value") if match else None


def stale_reason(expected: str) -> Callable[[str], str]:
    """Why a committed badge differs from ``expected``: another percentage, or other bytes."""
    wanted = badge_value(expected)

    def reason(current: str) -> str:
        shown = badge_value(current)
        if shown != wanted:
            return f"it shows {shown or 'no percentage'} but the coverage data gives {wanted}"
        return f"it shows {wanted} but its bytes differ from what the badge renderer writes"

    return reason


def badge_from(data: Path | None) -> str:
    """The badge for the JSON report at ``data``, after one line with the measured total."""
    percent = total_percent(data or DEFAULT_DATA)
    svg = render_badge(percent)
    print(f"badge: {badge_value(svg)} (measured {percent:.2f}%)")
    return svg


def main(argv: Sequence[str] | None = None) -> int:
    return generate(
        "badge",
        argv,
        render=badge_from,
        output=DEFAULT_OUTPUT,
        data=DEFAULT_DATA,
        hint=UPDATE_HINT,
        stale=stale_reason,
    )


if __name__ == "__main__":
    raise SystemExit(main())
