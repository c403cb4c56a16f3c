"""The release workflow: on a ``v*`` tag, the same gates as quality.yml, a rebuild checked
against the tag's version, and a PyPI upload by trusted publishing, with no token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

WORKFLOWS = Path(__file__).resolve().parents[3] / ".github" / "workflows"
RELEASE = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
MATRIX_LINES = (
    'nox -l --json -t ci > "$RUNNER_TEMP/sessions.json"',
    'python -m tools.ci.matrix < "$RUNNER_TEMP/sessions.json")',
    "matrix: ${{ fromJSON(needs.matrix.outputs.matrix) }}",
    'nox -s "$SESSION"',
)


def test_it_runs_on_version_tags_only() -> None:
    assert '\non:\n  push:\n    tags: ["v*"]\n\n' in RELEASE


def test_it_runs_the_gates_of_the_quality_workflow() -> None:
    quality = (WORKFLOWS / "quality.yml").read_text(encoding="utf-8")
    for line in MATRIX_LINES:
        assert line in quality
        assert line in RELEASE


def test_it_checks_the_rebuilt_artifacts_against_the_tag() -> None:
    assert "TAG: ${{ github.ref_name }}" in RELEASE
    assert 'test "$(uv version --short)" = "$version"' in RELEASE
    assert 'SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"' in RELEASE


def test_only_the_publish_job_may_mint_an_oidc_token_and_no_secret_is_used() -> None:
    publish = RELEASE[RELEASE.index("\n  publish:\n") :]

    assert RELEASE.count("id-token: write") == publish.count("id-token: write") == 1
    assert "permissions:\n  contents: read\n" in RELEASE
    assert "secrets." not in RELEASE
    assert "password" not in RELEASE
    assert re.search(r"uses: pypa/gh-action-pypi-publish@[0-9a-f]{40} # v\d", publish)


def test_every_action_is_pinned_by_commit() -> None:
    used = re.findall(r"uses: (\S+)", RELEASE)

    assert used
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action) for action in used)
