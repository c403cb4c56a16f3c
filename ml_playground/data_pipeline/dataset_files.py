"""The on-disk layout of a prepared dataset: ``train.bin``, ``val.bin`` and ``meta.json``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np

from ml_playground.core.errors import DataError
from ml_playground.core.text_tokenizers import Tokenizer, tokenizer_from_meta

FORMAT_VERSION = 3
"""2 records the SHA-256 of each token file, 3 the ``[prepare]`` settings that made them."""
META_FILE = "meta.json"
TOKEN_DTYPE = np.uint16

Split = Literal["train", "val"]
SPLITS: tuple[Split, ...] = ("train", "val")
TokenArray = np.memmap[Any, np.dtype[np.uint16]]

_PREPARE_HINT = "run `ml-playground prepare` for this experiment"


def token_file(data_dir: Path, split: Split) -> Path:
    return data_dir / f"{split}.bin"


@dataclass(frozen=True)
class DatasetMeta:
    """What ``meta.json`` records about a prepared dataset."""

    format_version: int
    dataset: str
    tokenizer: Tokenizer
    train_tokens: int
    val_tokens: int
    val_fraction: float
    fingerprint: str
    """SHA-256 over everything the token files depend on; equal fingerprints mean current files."""
    sha256: Mapping[Split, str]
    """The SHA-256 of each token file's content: a changed or damaged file is noticed."""
    settings: Mapping[str, object] = field(default_factory=dict[str, object])
    """The ``[prepare]`` settings that made the files (``lineage.prepare_settings``)."""

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.vocab_size

    def tokens(self, split: Split) -> int:
        return self.train_tokens if split == "train" else self.val_tokens

    def to_json(self) -> dict[str, object]:
        return {
            "format_version": self.format_version,
            "dataset": self.dataset,
            "fingerprint": self.fingerprint,
            "val_fraction": self.val_fraction,
            "dtype": np.dtype(TOKEN_DTYPE).name,
            "counts": {
                "vocab_size": self.vocab_size,
                "train_tokens": self.train_tokens,
                "val_tokens": self.val_tokens,
            },
            "tokenizer": self.tokenizer.to_meta(),
            "sha256": {split: self.sha256[split] for split in SPLITS},
            "prepare": dict(self.settings),
        }


def _corrupt(path: Path, detail: str) -> DataError:
    return DataError(f"{path}: corrupt dataset metadata ({detail}); {_PREPARE_HINT} again")


def _value(
    obj: dict[str, object], key: str, path: Path, expected: str, section: str = ""
) -> object:
    value = obj.get(key)
    valid = {
        "an integer": isinstance(value, int) and not isinstance(value, bool),
        "a number": isinstance(value, int | float) and not isinstance(value, bool),
        "a string": isinstance(value, str),
        "an object": isinstance(value, dict),
    }[expected]
    if not valid:
        raise _corrupt(path, f"{section}{key}: expected {expected}, got {value!r}")
    return value


def _int(obj: dict[str, object], key: str, path: Path, section: str = "") -> int:
    return cast("int", _value(obj, key, path, "an integer", section))


def _str(obj: dict[str, object], key: str, path: Path, section: str = "") -> str:
    return cast("str", _value(obj, key, path, "a string", section))


def _object(obj: dict[str, object], key: str, path: Path) -> dict[str, object]:
    return cast("dict[str, object]", _value(obj, key, path, "an object"))


def _count(counts: dict[str, object], key: str, path: Path) -> int:
    value = _int(counts, key, path, "counts.")
    if value < 1:
        raise _corrupt(path, f"counts.{key}: expected a positive count, got {value}")
    return value


def read_meta(data_dir: Path) -> DatasetMeta:
    """The validated ``meta.json`` of the dataset in ``data_dir``."""
    path = data_dir / META_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} not found: the dataset is not prepared; {_PREPARE_HINT}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _corrupt(path, "expected a JSON object")
    obj = cast("dict[str, object]", document)
    version = _int(obj, "format_version", path)
    if version != FORMAT_VERSION:
        raise DataError(
            f"{path}: format_version {version} is not supported (expected {FORMAT_VERSION});"
            f" {_PREPARE_HINT} again"
        )
    counts = _object(obj, "counts", path)
    tokenizer_obj = _object(obj, "tokenizer", path)
    try:
        tokenizer = tokenizer_from_meta(tokenizer_obj)
    except DataError as exc:
        raise _corrupt(path, str(exc)) from None
    vocab_size = _count(counts, "vocab_size", path)
    if vocab_size != tokenizer.vocab_size:
        raise _corrupt(
            path,
            f"counts.vocab_size: {vocab_size} differs from the tokenizer's {tokenizer.vocab_size}",
        )
    digests = _object(obj, "sha256", path)
    sha256: dict[Split, str] = {split: _str(digests, split, path, "sha256.") for split in SPLITS}
    return DatasetMeta(
        format_version=version,
        dataset=_str(obj, "dataset", path),
        tokenizer=tokenizer,
        train_tokens=_count(counts, "train_tokens", path),
        val_tokens=_count(counts, "val_tokens", path),
        val_fraction=float(cast("float", _value(obj, "val_fraction", path, "a number"))),
        fingerprint=_str(obj, "fingerprint", path),
        sha256=sha256,
        settings=_object(obj, "prepare", path),
    )


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def load_tokens(data_dir: Path, split: Split) -> TokenArray:
    """A read-only memory map of one split whose size and SHA-256 match ``meta.json``."""
    meta = read_meta(data_dir)
    path = token_file(data_dir, split)
    expected = meta.tokens(split) * np.dtype(TOKEN_DTYPE).itemsize
    try:
        size = path.stat().st_size
        digest = file_sha256(path) if size == expected else ""
    except FileNotFoundError:
        raise DataError(f"{path} not found: the dataset is incomplete; {_PREPARE_HINT}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size != expected:
        raise DataError(
            f"{path} has {size} bytes, {META_FILE} expects {expected}: the dataset is incomplete"
            f" or stale; {_PREPARE_HINT}"
        )
    if digest != meta.sha256[split]:
        raise DataError(
            f"{path} does not match the SHA-256 in {META_FILE}: it was changed or damaged"
            f" after prepare; {_PREPARE_HINT} again"
        )
    return np.memmap(path, dtype=TOKEN_DTYPE, mode="r")
