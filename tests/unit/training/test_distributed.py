"""The process group of a run: read from torchrun's environment, and left only when joined."""

from __future__ import annotations

import pytest
import torch.distributed as dist

from ml_playground.training.distributed import (
    SINGLE_PROCESS,
    ProcessGroup,
    leave,
    process_group_from_env,
    wait_for_main,
)

pytestmark = pytest.mark.unit


def test_without_torchrun_the_run_is_a_single_main_process() -> None:
    assert process_group_from_env({}) == ProcessGroup(rank=0, local_rank=0, world_size=1)
    assert process_group_from_env({}) is SINGLE_PROCESS
    assert SINGLE_PROCESS.is_main


@pytest.mark.parametrize("env", [{"RANK": "1"}, {"WORLD_SIZE": "2"}, {"LOCAL_RANK": "1"}])
def test_half_a_torchrun_environment_is_a_single_process(env: dict[str, str]) -> None:
    assert process_group_from_env(env) == SINGLE_PROCESS


def test_torchrun_names_the_rank_local_rank_and_world_size() -> None:
    group = process_group_from_env({"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4"})
    assert group == ProcessGroup(rank=3, local_rank=1, world_size=4)
    assert not group.is_main
    assert process_group_from_env({"RANK": "2", "WORLD_SIZE": "4"}).local_rank == 2


@pytest.mark.usefixtures("default_group")
def test_a_single_process_leaves_the_default_group_alone() -> None:
    leave(SINGLE_PROCESS)
    assert dist.is_initialized()


@pytest.mark.usefixtures("default_group")
def test_a_rank_of_two_leaves_the_default_group() -> None:
    leave(ProcessGroup(rank=0, local_rank=0, world_size=2))
    assert not dist.is_initialized()


def test_leaving_a_group_never_joined_does_nothing() -> None:
    leave(ProcessGroup(rank=1, local_rank=1, world_size=2))
    assert not dist.is_initialized()


def test_a_single_process_waits_for_nobody() -> None:
    wait_for_main(SINGLE_PROCESS)
    assert not dist.is_initialized()


def test_a_rank_of_two_waits_at_the_barrier_of_the_default_group() -> None:
    """The barrier needs the group joined; a rank that skipped it would race ahead instead."""
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        wait_for_main(ProcessGroup(rank=1, local_rank=1, world_size=2))
