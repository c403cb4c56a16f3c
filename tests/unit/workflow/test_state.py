"""The record of an interrupted sync, ship or release is a fixed value once made."""

from __future__ import annotations

import dataclasses

import pytest

from tools.workflow.repo.state import Operation

pytestmark = pytest.mark.unit


def test_an_operation_is_a_fixed_hashable_value_with_no_tag_by_default() -> None:
    operation = Operation("sync", "feat/x", "rebase", "a" * 40, "b" * 40)

    with pytest.raises(dataclasses.FrozenInstanceError):
        operation.step = "done"  # type: ignore[misc]
    assert {operation, Operation("sync", "feat/x", "rebase", "a" * 40, "b" * 40)} == {operation}
    assert operation.tag == ""
