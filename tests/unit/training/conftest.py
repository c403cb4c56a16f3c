"""Fixtures shared by the training tests."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
import torch.distributed as dist


@pytest.fixture
def default_group(tmp_path: Path) -> Generator[None]:
    """A real default process group (gloo, this process alone), destroyed after the test."""
    dist.init_process_group(
        backend="gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
