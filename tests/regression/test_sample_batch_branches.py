"""``sample_batch()`` takes both of its branches, deterministically, on every machine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml_playground.data_pipeline.batches import sample_batch

pytestmark = pytest.mark.regression

CPU = torch.device("cpu")


def rows(tensor: torch.Tensor) -> list[list[int]]:
    return [[int(value) for value in row] for row in tensor.tolist()]


def test_the_normal_branch_gives_exact_slices_for_a_seeded_generator() -> None:
    """What broke: in the project this one replaces, batches were drawn from the global RNG,
    and which branch of ``sample_batch()`` ran depended on the machine's data, so CI
    exercised an extra branch that laptops did not. It showed as a coverage badge that
    differed between macOS and Linux, and the badge gate was switched off. With an explicit
    generator, the same seed gives exactly these rows everywhere."""
    data = np.arange(1000, 1040, dtype=np.uint16)

    x, y = sample_batch(data, 5, 4, torch.Generator().manual_seed(2024), CPU)

    assert rows(x) == [
        [1027, 1028, 1029, 1030, 1031],
        [1000, 1001, 1002, 1003, 1004],
        [1024, 1025, 1026, 1027, 1028],
        [1005, 1006, 1007, 1008, 1009],
    ]
    assert rows(y) == [
        [1028, 1029, 1030, 1031, 1032],
        [1001, 1002, 1003, 1004, 1005],
        [1025, 1026, 1027, 1028, 1029],
        [1006, 1007, 1008, 1009, 1010],
    ]


def test_the_short_corpus_branch_wraps_around_with_exact_values() -> None:
    """What broke: a corpus shorter than the block made ``randint`` fail with an empty range
    (or produce short rows) instead of reading the corpus cyclically. It showed as a crash
    on tiny datasets and, once fixed, as a branch only some machines' tests reached."""
    data = np.array([7, 8, 9], dtype=np.uint16)

    x, y = sample_batch(data, 6, 3, torch.Generator().manual_seed(2024), CPU)

    assert rows(x) == [[9, 7, 8, 9, 7, 8], [9, 7, 8, 9, 7, 8], [8, 9, 7, 8, 9, 7]]
    assert rows(y) == [[7, 8, 9, 7, 8, 9], [7, 8, 9, 7, 8, 9], [9, 7, 8, 9, 7, 8]]


def test_a_corpus_exactly_one_block_long_takes_the_short_branch() -> None:
    """The boundary between the branches: ``len(data) == block_size`` has no full window plus
    target, so it must wrap; an off-by-one here would index past the end of the corpus."""
    data = np.array([7, 8, 9, 5, 1, 3], dtype=np.uint16)

    x, y = sample_batch(data, 6, 2, torch.Generator().manual_seed(2024), CPU)

    assert rows(x) == [[9, 5, 1, 3, 7, 8], [9, 5, 1, 3, 7, 8]]
    assert rows(y) == [[5, 1, 3, 7, 8, 9], [5, 1, 3, 7, 8, 9]]
