"""Process-group setup for ``torchrun``: gloo on CPU, nccl on CUDA; rank 0 owns all output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class ProcessGroup:
    rank: int
    local_rank: int
    world_size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE_PROCESS = ProcessGroup(rank=0, local_rank=0, world_size=1)


def process_group_from_env(env: Mapping[str, str]) -> ProcessGroup:
    """The group torchrun describes in the environment, or a single process."""
    if "RANK" not in env or "WORLD_SIZE" not in env:
        return SINGLE_PROCESS
    return ProcessGroup(
        rank=int(env["RANK"]),
        local_rank=int(env.get("LOCAL_RANK", env["RANK"])),
        world_size=int(env["WORLD_SIZE"]),
    )


def join(group: ProcessGroup, device: torch.device) -> torch.device:
    """Initialise the default process group; returns the device this rank trains on."""
    if group.world_size == 1:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", group.local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group(
        backend="nccl" if device.type == "cuda" else "gloo",
        rank=group.rank,
        world_size=group.world_size,
    )
    return device


def wait_for_main(group: ProcessGroup) -> None:
    """Every rank waits here until the main process has prepared the run directory."""
    if group.world_size > 1:
        dist.barrier()


def leave(group: ProcessGroup) -> None:
    if group.world_size > 1 and dist.is_initialized():
        dist.destroy_process_group()
