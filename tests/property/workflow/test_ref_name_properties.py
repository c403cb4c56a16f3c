"""The Python ref-name rules agree with ``git check-ref-format`` itself."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.workflow.versioning import ref_name_problem

pytestmark = pytest.mark.property

_NAMES = st.text(alphabet="ab-./@{~^:?*[\\ \t", min_size=1, max_size=10) | st.sampled_from(
    ["a.lock", "a/b.lock/c", "x/.y", "a..b", "@", "a@{b", "a//b", "/a", "a/", "a."]
)


def _git_accepts(name: str) -> bool:
    completed = subprocess.run(
        ["git", "check-ref-format", f"refs/heads/{name}"],
        env={"PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1"},
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


@settings(max_examples=60)
@given(_NAMES)
def test_agrees_with_git(name: str) -> None:
    assert (ref_name_problem(name) is None) == _git_accepts(name)
