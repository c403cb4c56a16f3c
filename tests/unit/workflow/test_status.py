"""The value invoke status returns: fixed once made, so a caller cannot rewrite what it reported."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.commands.status import WorkflowStatus

pytestmark = pytest.mark.unit


def test_a_workflow_status_is_a_fixed_hashable_value() -> None:
    status = WorkflowStatus("feat/x", "tv-2025-01-01:PR??", ())

    with pytest.raises(dataclasses.FrozenInstanceError):
        status.branch = "main"  # type: ignore[misc]
    assert {status, WorkflowStatus("feat/x", "tv-2025-01-01:PR??", ())} == {status}
