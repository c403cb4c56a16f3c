"""The version rule and the changelog layout of invoke release."""

from __future__ import annotations

import pytest

from tools.workflow.release_notes import (
    ReleaseCommit,
    Version,
    changelog_section,
    next_version,
    with_section,
)

pytestmark = pytest.mark.unit


def _commit(commit_type: str, breaking: bool = False, scope: str | None = "core") -> ReleaseCommit:
    header = f"{commit_type}({scope}): do it" if scope else f"{commit_type}: do it"
    return ReleaseCommit("0123456789abcdef", header, commit_type, scope, "do it", breaking)


@pytest.mark.parametrize(
    ("current", "types", "expected"),
    [
        ((0, 1, 0), ["fix"], (0, 1, 1)),
        ((0, 1, 3), ["perf", "docs"], (0, 1, 4)),
        ((0, 1, 3), ["fix", "feat"], (0, 2, 0)),
        ((0, 1, 3), ["fix!"], (0, 2, 0)),
        ((1, 4, 2), ["fix"], (1, 4, 3)),
        ((1, 4, 2), ["feat", "fix"], (1, 5, 0)),
        ((1, 4, 2), ["docs!", "feat"], (2, 0, 0)),
        ((1, 4, 2), ["docs", "chore", "test"], None),
    ],
)
def test_the_next_version(current: Version, types: list[str], expected: Version | None) -> None:
    commits = [_commit(name.rstrip("!"), breaking=name.endswith("!")) for name in types]

    assert next_version(current, commits) == expected


def test_a_section_groups_by_type_and_skips_bookkeeping() -> None:
    commits = [
        _commit("docs", scope=None),
        _commit("feat", breaking=True),
        ReleaseCommit("fedcba9876543210", "chore(ledger): start x", "chore", "ledger", "x", False),
        ReleaseCommit("fedcba9876543211", "chore(release): v0.1.0", "chore", "release", "v", False),
        ReleaseCommit("abcdef0123456789", "fix: y", "fix", None, "y", False, "tv-2025-11-01:PR3 Y"),
    ]

    section = changelog_section("v0.2.0", "2026-12-06", commits)

    assert section == (
        "## v0.2.0 (2026-12-06)\n\n"
        "### Features\n\n- **breaking** core: do it (0123456)\n\n"
        "### Fixes\n\n- y (abcdef0; tv-2025-11-01:PR3 Y)\n\n"
        "### Documentation\n\n- do it (0123456)\n"
    )


def test_a_new_section_goes_on_top_under_the_title() -> None:
    first = with_section(None, "## v0.1.0 (d)\n\n- a\n")
    second = with_section(first, "## v0.2.0 (e)\n\n- b\n")

    assert first == "# Changelog\n\n## v0.1.0 (d)\n\n- a\n"
    assert second == "# Changelog\n\n## v0.2.0 (e)\n\n- b\n\n## v0.1.0 (d)\n\n- a\n"
