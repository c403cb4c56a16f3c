from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ml_playground.core.errors import DataError
from ml_playground.data_pipeline.batches import sample_batch

pytestmark = pytest.mark.unit

CPU = torch.device("cpu")


def rows_of(tensor: torch.Tensor) -> list[list[int]]:
    return [[int(v) for v in row] for row in tensor.tolist()]


def test_normal_branch_slices_windows_at_seeded_offsets() -> None:
    data = np.arange(100, 200, dtype=np.uint16)

    x, y = sample_batch(data, 4, 3, torch.Generator().manual_seed(0), CPU)

    assert rows_of(x) == [
        [144, 145, 146, 147],
        [115, 116, 117, 118],
        [153, 154, 155, 156],
    ]
    assert rows_of(y) == [
        [145, 146, 147, 148],
        [116, 117, 118, 119],
        [154, 155, 156, 157],
    ]


def test_normal_branch_rows_are_corpus_slices_shifted_by_one() -> None:
    data = np.array([5, 3, 9, 1, 4, 10, 8, 0, 2, 7, 6], dtype=np.uint16)
    generator = torch.Generator().manual_seed(1234)

    x, y = sample_batch(data, 5, 64, generator, CPU)

    assert x.shape == y.shape == (64, 5)
    assert x.dtype == y.dtype == torch.int64
    assert x.is_contiguous()
    assert y.is_contiguous()
    windows = {tuple(data[i : i + 6].tolist()) for i in range(len(data) - 5)}
    starts = set()
    for x_row, y_row in zip(rows_of(x), rows_of(y), strict=True):
        assert (*x_row, y_row[-1]) in windows
        assert x_row[1:] == y_row[:-1]
        starts.add(x_row[0])
    assert starts == {5, 3, 9, 1, 4, 10}  # every start up to the window ending at the last token


def test_corpus_one_token_longer_than_the_block_has_a_single_window() -> None:
    data = np.array([1, 2, 3, 4], dtype=np.uint16)

    x, y = sample_batch(data, 3, 2, torch.Generator().manual_seed(7), CPU)

    assert rows_of(x) == [[1, 2, 3], [1, 2, 3]]
    assert rows_of(y) == [[2, 3, 4], [2, 3, 4]]


def test_short_corpus_branch_repeats_the_corpus_cyclically() -> None:
    data = np.array([10, 11, 12, 13, 14], dtype=np.uint16)

    x, y = sample_batch(data, 8, 3, torch.Generator().manual_seed(0), CPU)

    assert rows_of(x) == [
        [14, 10, 11, 12, 13, 14, 10, 11],
        [14, 10, 11, 12, 13, 14, 10, 11],
        [13, 14, 10, 11, 12, 13, 14, 10],
    ]
    assert rows_of(y) == [
        [10, 11, 12, 13, 14, 10, 11, 12],
        [10, 11, 12, 13, 14, 10, 11, 12],
        [14, 10, 11, 12, 13, 14, 10, 11],
    ]


def test_short_corpus_branch_covers_every_cyclic_offset() -> None:
    data = np.array([0, 1, 2, 3], dtype=np.uint16)

    x, y = sample_batch(data, 4, 64, torch.Generator().manual_seed(3), CPU)

    starts = {row[0] for row in rows_of(x)}
    assert starts == {0, 1, 2, 3}
    for x_row, y_row in zip(rows_of(x), rows_of(y), strict=True):
        assert x_row == [(x_row[0] + k) % 4 for k in range(4)]
        assert y_row == [(x_row[0] + 1 + k) % 4 for k in range(4)]


@pytest.mark.parametrize(("length", "block_size"), [(50, 8), (5, 8), (8, 8), (3, 1)])
def test_same_seed_gives_the_same_batches(length: int, block_size: int) -> None:
    data = np.arange(length, dtype=np.uint16)

    def draw(seed: int) -> list[list[list[int]]]:
        generator = torch.Generator().manual_seed(seed)
        batches = [sample_batch(data, block_size, 4, generator, CPU) for _ in range(3)]
        return [rows_of(x) + rows_of(y) for x, y in batches]

    assert draw(11) == draw(11)
    assert draw(11) != draw(12)


def test_batches_are_moved_to_the_requested_device() -> None:
    data = np.arange(20, dtype=np.uint16)

    x, y = sample_batch(data, 4, 2, torch.Generator().manual_seed(0), torch.device("meta"))

    assert x.device.type == y.device.type == "meta"
    assert x.shape == y.shape == (2, 4)


def test_memmapped_tokens_are_accepted(tmp_path: Path) -> None:
    data = np.arange(30, dtype=np.uint16)
    path = tmp_path / "tokens.bin"
    data.tofile(path)
    mapped = np.memmap(path, dtype=np.uint16, mode="r")

    x, y = sample_batch(mapped, 6, 2, torch.Generator().manual_seed(5), CPU)

    for x_row, y_row in zip(rows_of(x), rows_of(y), strict=True):
        assert y_row == [v + 1 for v in x_row]


def test_two_tokens_are_enough_for_one_pair() -> None:
    data = np.array([4, 2], dtype=np.uint16)

    x, y = sample_batch(data, 1, 2, torch.Generator().manual_seed(0), CPU)

    assert rows_of(x) == [[4], [4]]
    assert rows_of(y) == [[2], [2]]


@pytest.mark.parametrize("length", [0, 1])
def test_fewer_than_two_tokens_is_a_data_error(length: int) -> None:
    with pytest.raises(DataError, match=f"from {length} token"):
        sample_batch(np.zeros(length, dtype=np.uint16), 4, 2, torch.Generator(), CPU)
