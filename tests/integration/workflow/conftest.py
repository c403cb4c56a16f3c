"""Fixtures of the workflow integration tests: the scratch repositories (shared with the
regression tests, see tests/fixtures/workflow/scratch.py) and a reporter capturing output."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from tests.fixtures.workflow.index import package_index  # noqa: F401  (a fixture)
from tests.fixtures.workflow.scratch import (  # noqa: F401  (fixtures, found by name)
    clean_scratch,
    failing_gate,
    fake_gh,
    make_scratch,
    passing_gate,
    regression_scratch,
    scratch_templates,
    seed_scratch,
)
from tools.workflow.cli import Reporter


@dataclass(frozen=True)
class Captured:
    """A reporter writing into two string buffers."""

    reporter: Reporter

    @property
    def out(self) -> str:
        stream = self.reporter.out
        return stream.getvalue() if isinstance(stream, io.StringIO) else ""

    @property
    def err(self) -> str:
        stream = self.reporter.err
        return stream.getvalue() if isinstance(stream, io.StringIO) else ""


def capture() -> Captured:
    return Captured(Reporter(io.StringIO(), io.StringIO()))


@pytest.fixture
def out() -> Captured:
    """A fresh reporter capturing stdout/stderr text."""
    return capture()
