"""The prepared dataset on disk: ``meta.json`` and the token files it vouches for."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from ml_playground.core.errors import DataError
from ml_playground.core.text_tokenizers import CharTokenizer
from ml_playground.data_pipeline.dataset_files import (
    FORMAT_VERSION,
    DatasetMeta,
    Split,
    load_tokens,
    read_meta,
    token_file,
)

pytestmark = pytest.mark.unit

TOKENIZER = CharTokenizer(["\n", "a", "b", "c"])
TRAIN = np.array([1, 2, 3, 0, 1, 2], dtype=np.uint16)
VAL = np.array([3, 0], dtype=np.uint16)
SHA256: dict[Split, str] = {
    "train": hashlib.sha256(TRAIN.tobytes()).hexdigest(),
    "val": hashlib.sha256(VAL.tobytes()).hexdigest(),
}
META = DatasetMeta(
    format_version=FORMAT_VERSION,
    dataset="text",
    tokenizer=TOKENIZER,
    train_tokens=6,
    val_tokens=2,
    val_fraction=0.25,
    fingerprint="f" * 64,
    sha256=SHA256,
    settings={"dataset": "text", "tokenizer": "char", "val_fraction": 0.25},
)


def write_dataset(data_dir: Path, document: object = None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "meta.json").write_text(
        json.dumps(META.to_json() if document is None else document)
    )
    TRAIN.tofile(token_file(data_dir, "train"))
    VAL.tofile(token_file(data_dir, "val"))


def test_meta_json_layout() -> None:
    assert META.to_json() == {
        "format_version": 3,
        "dataset": "text",
        "fingerprint": "f" * 64,
        "val_fraction": 0.25,
        "dtype": "uint16",
        "counts": {"vocab_size": 4, "train_tokens": 6, "val_tokens": 2},
        "tokenizer": {"kind": "char", "vocab": ["\n", "a", "b", "c"]},
        "sha256": SHA256,
        "prepare": {"dataset": "text", "tokenizer": "char", "val_fraction": 0.25},
    }


def test_dataset_metadata_cannot_be_changed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(META, "train_tokens", 7)  # noqa: B010
    assert META.train_tokens == 6
    assert META.tokens("train") == 6


def test_read_meta_round_trips(tmp_path: Path) -> None:
    write_dataset(tmp_path)

    meta = read_meta(tmp_path)

    assert meta == META
    assert meta.vocab_size == 4
    assert meta.tokens("train") == 6
    assert meta.tokens("val") == 2


def test_read_meta_accepts_an_integer_val_fraction(tmp_path: Path) -> None:
    document = META.to_json()
    document["val_fraction"] = 0
    write_dataset(tmp_path, document)

    assert read_meta(tmp_path).val_fraction == 0.0


def test_read_meta_accepts_a_split_of_a_single_token(tmp_path: Path) -> None:
    write_dataset(tmp_path, _corrupted("counts.val_tokens", 1))

    assert read_meta(tmp_path).tokens("val") == 1


def test_read_meta_reports_a_missing_file_and_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        read_meta(tmp_path)

    message = str(excinfo.value)
    assert str(tmp_path / "meta.json") in message
    assert "not prepared" in message
    assert "ml-playground prepare" in message


def test_read_meta_reports_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "meta.json").mkdir()

    with pytest.raises(DataError, match=r"cannot read .*meta\.json"):
        read_meta(tmp_path)


def _corrupted(key_path: str, value: object) -> dict[str, object]:
    document = json.loads(json.dumps(META.to_json()))
    *parents, last = key_path.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return document


_DELETE = object()


@pytest.mark.parametrize(
    ("key_path", "value", "message"),
    [
        ("format_version", _DELETE, "format_version: expected an integer, got None"),
        ("format_version", True, "format_version: expected an integer, got True"),
        ("format_version", "1", "format_version: expected an integer, got '1'"),
        ("dataset", 3, "dataset: expected a string, got 3"),
        ("fingerprint", None, "fingerprint: expected a string, got None"),
        ("val_fraction", "0.1", "val_fraction: expected a number, got '0.1'"),
        ("val_fraction", False, "val_fraction: expected a number, got False"),
        ("counts", [], r"counts: expected an object, got \[\]"),
        ("counts.train_tokens", 2.5, "counts.train_tokens: expected an integer, got 2.5"),
        ("counts.val_tokens", 0, "counts.val_tokens: expected a positive count, got 0"),
        ("counts.vocab_size", 5, "counts.vocab_size: 5 differs from the tokenizer's 4"),
        ("tokenizer", "char", "tokenizer: expected an object, got 'char'"),
        ("tokenizer.kind", "gpt2", "tokenizer.kind: unknown tokenizer kind 'gpt2'"),
        ("tokenizer.vocab", ["a", "a"], "tokenizer.vocab: .*no duplicates"),
    ],
)
def test_read_meta_reports_corrupt_fields(
    tmp_path: Path, key_path: str, value: object, message: str
) -> None:
    write_dataset(tmp_path, _corrupted(key_path, value))

    with pytest.raises(DataError, match=message) as excinfo:
        read_meta(tmp_path)

    assert "corrupt dataset metadata" in str(excinfo.value)
    assert "ml-playground prepare" in str(excinfo.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[1, 2]", "expected a JSON object"),
    ],
)
def test_read_meta_reports_unparsable_files(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "meta.json").write_bytes(content)

    with pytest.raises(DataError, match=message):
        read_meta(tmp_path)


def test_read_meta_rejects_other_format_versions(tmp_path: Path) -> None:
    write_dataset(tmp_path, _corrupted("format_version", 2))

    with pytest.raises(DataError, match=r"format_version 2 is not supported \(expected 3\)"):
        read_meta(tmp_path)


def test_load_tokens_maps_each_split_read_only(tmp_path: Path) -> None:
    write_dataset(tmp_path)

    train = load_tokens(tmp_path, "train")
    val = load_tokens(tmp_path, "val")

    assert isinstance(train, np.memmap)
    assert train.dtype == np.uint16
    assert train.tolist() == [1, 2, 3, 0, 1, 2]
    assert val.tolist() == [3, 0]
    assert TOKENIZER.decode(train.tolist()) == "abc\nab"
    with pytest.raises(ValueError, match="read-only"):
        train[0] = 3


def test_load_tokens_reports_a_missing_split(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    token_file(tmp_path, "val").unlink()

    with pytest.raises(DataError, match=r"val\.bin not found: the dataset is incomplete"):
        load_tokens(tmp_path, "val")


def test_load_tokens_reports_a_size_mismatch(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    np.array([1, 2, 3], dtype=np.uint16).tofile(token_file(tmp_path, "train"))

    with pytest.raises(DataError, match=r"train\.bin has 6 bytes, meta\.json expects 12"):
        load_tokens(tmp_path, "train")


def test_load_tokens_requires_metadata(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    (tmp_path / "meta.json").unlink()

    with pytest.raises(DataError, match="ml-playground prepare"):
        load_tokens(tmp_path, "train")


def test_load_tokens_reports_a_same_size_change_of_the_content(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    path = token_file(tmp_path, "train")
    path.write_bytes(bytes(TRAIN.nbytes))

    with pytest.raises(DataError) as raised:
        load_tokens(tmp_path, "train")
    assert str(raised.value) == (
        f"{path} does not match the SHA-256 in meta.json: it was changed or damaged after"
        " prepare; run `ml-playground prepare` for this experiment again"
    )
    assert load_tokens(tmp_path, "val").tolist() == [3, 0]


def test_load_tokens_reports_an_unreadable_file(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    path = token_file(tmp_path, "val")
    path.unlink()
    path.symlink_to(path)

    with pytest.raises(DataError) as raised:
        load_tokens(tmp_path, "val")
    assert str(raised.value) == f"cannot read {path}: Too many levels of symbolic links"
