"""Prepared token files are verified against the SHA-256 recorded in meta.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression


@pytest.mark.parametrize("fill", [b"\x00", b"\xff"])
def test_a_token_file_overwritten_with_the_same_size_is_noticed(
    cli: RunCli, tiny_experiment: Path, fill: bytes
) -> None:
    """What broke (issue 13): only the size of ``train.bin`` was checked. Overwritten with
    zeros, ``prepare`` said "current; skipping" and ``train`` trained on zeros with exit 0;
    with 0xff bytes (token ids beyond the vocabulary) ``train`` died with an ``IndexError``
    traceback."""
    assert cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0
    train_bin = tiny_experiment.parent / "data" / "train.bin"
    intact = train_bin.read_bytes()
    train_bin.write_bytes(fill * len(intact))

    assert cli("train", "--exp-config", str(tiny_experiment)) == (
        1,
        "",
        f"ml-playground: error: {train_bin} does not match the SHA-256 in meta.json: it was"
        " changed or damaged after prepare; run `ml-playground prepare` for this experiment"
        " again\n",
    )
    code, _, err = cli("prepare", "--exp-config", str(tiny_experiment))
    assert code == 0
    assert "skipping" not in err
    assert train_bin.read_bytes() == intact
