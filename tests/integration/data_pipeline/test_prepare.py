"""Preparing a dataset: token files and ``meta.json`` from a corpus, skipped when current."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ml_playground.configuration.models import PrepareConfig
from ml_playground.core.errors import DataError, UsageError
from ml_playground.data_pipeline.dataset_files import load_tokens, read_meta
from ml_playground.data_pipeline.prepare import (
    PreparedDataset,
    dataset_fingerprint,
    prepare_dataset,
    split_sizes,
)

pytestmark = pytest.mark.integration

MakeConfig = Callable[..., PrepareConfig]
TEXT = "def add(a, b):\n    return a + b\n\n" * 10
FILES = ("train.bin", "val.bin", "meta.json")


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def file_states(data_dir: Path) -> dict[str, tuple[int, int, bytes]]:
    states: dict[str, tuple[int, int, bytes]] = {}
    for name in FILES:
        stat = (data_dir / name).stat()
        states[name] = (stat.st_ino, stat.st_mtime_ns, (data_dir / name).read_bytes())
    return states


def test_text_dataset_is_split_into_token_files_and_meta(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    messages: list[str] = []

    result = prepare_dataset(config, log=messages.append)

    vocab = sorted(set(TEXT))
    assert (result.skipped, result.vocab_size) == (False, len(vocab))
    assert (result.train_tokens, result.val_tokens) == (297, 33)
    assert result.data_dir == config.data_dir
    assert sorted(p.name for p in config.data_dir.iterdir()) == sorted(FILES)
    document = json.loads((config.data_dir / "meta.json").read_text(encoding="utf-8"))
    digests = {
        split: hashlib.sha256((config.data_dir / f"{split}.bin").read_bytes()).hexdigest()
        for split in ("train", "val")
    }
    assert document == {
        "format_version": 3,
        "dataset": "text",
        "fingerprint": dataset_fingerprint("text", TEXT, "char", 0.1),
        "val_fraction": 0.1,
        "dtype": "uint16",
        "counts": {"vocab_size": len(vocab), "train_tokens": 297, "val_tokens": 33},
        "tokenizer": {"kind": "char", "vocab": vocab},
        "sha256": digests,
        "prepare": {
            "dataset": "text",
            "raw_text_path": str(tmp_path / "corpus.txt"),
            "tokenizer": "char",
            "val_fraction": 0.1,
        },
    }
    ids = [vocab.index(c) for c in TEXT]
    raw_train = np.fromfile(config.data_dir / "train.bin", dtype=np.uint16)
    assert raw_train.tolist() == ids[:297]
    assert load_tokens(config.data_dir, "val").tolist() == ids[297:]
    assert messages == [
        f"prepared text in {config.data_dir}: vocabulary {len(vocab)}, 297 train and 33 val tokens"
    ]


def test_stdlib_dataset_reads_the_given_tree_up_to_the_cap(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    stdlib = tmp_path / "lib"
    (stdlib / "json").mkdir(parents=True)
    (stdlib / "test").mkdir()
    write_text(stdlib / "abc.py", "class ABC:\n    pass\n")
    write_text(stdlib / "json" / "decoder.py", "def decode(s):\n    return s\n")
    write_text(stdlib / "test" / "test_abc.py", "BROKEN = (\n")
    config = make_config("stdlib_char", max_corpus_bytes=40, val_fraction=0.25)

    result = prepare_dataset(config, stdlib_dir=stdlib)

    corpus = "class ABC:\n    pass\n\n\ndef decode(s):\n   "
    assert len(corpus) == 40
    meta = read_meta(config.data_dir)
    assert meta.dataset == "stdlib_char"
    assert meta.fingerprint == dataset_fingerprint("stdlib_char", corpus, "char", 0.25)
    assert (result.train_tokens, result.val_tokens) == (30, 10)
    train = meta.tokenizer.decode(load_tokens(config.data_dir, "train").tolist())
    val = meta.tokenizer.decode(load_tokens(config.data_dir, "val").tolist())
    assert (train, val) == (corpus[:30], corpus[30:])


def test_default_stdlib_dataset_needs_no_setup(make_config: MakeConfig) -> None:
    result = prepare_dataset(make_config("stdlib_char", max_corpus_bytes=5000))

    assert (result.train_tokens, result.val_tokens) == (4500, 500)
    assert 30 < result.vocab_size <= 97


def test_a_current_dataset_is_skipped_without_touching_files(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    first = prepare_dataset(config)
    before = file_states(config.data_dir)
    messages: list[str] = []

    second = prepare_dataset(config, log=messages.append)

    assert second.skipped
    assert (second.vocab_size, second.train_tokens, second.val_tokens) == (
        first.vocab_size,
        first.train_tokens,
        first.val_tokens,
    )
    assert file_states(config.data_dir) == before
    assert messages == [f"dataset in {config.data_dir} is current; skipping prepare"]


@pytest.mark.parametrize("change", ["corpus", "val_fraction"])
def test_a_changed_input_is_prepared_again(
    make_config: MakeConfig, tmp_path: Path, change: str
) -> None:
    corpus = write_text(tmp_path / "corpus.txt", TEXT)
    prepare_dataset(make_config("text", raw_text_path=corpus))
    if change == "corpus":
        write_text(corpus, TEXT + "x = 1\n")
    val_fraction = 0.2 if change == "val_fraction" else 0.1
    config = make_config("text", raw_text_path=corpus, val_fraction=val_fraction)

    result = prepare_dataset(config)

    assert not result.skipped
    text = corpus.read_text(encoding="utf-8")
    assert read_meta(config.data_dir).fingerprint == dataset_fingerprint(
        "text", text, "char", val_fraction
    )
    assert result.train_tokens + result.val_tokens == len(text)
    assert result.val_tokens == round(len(text) * val_fraction)


@pytest.mark.parametrize(
    "damage",
    ["missing val.bin", "short train.bin", "zeroed train.bin", "corrupt meta.json"],
)
def test_an_incomplete_dataset_is_prepared_again(
    make_config: MakeConfig, tmp_path: Path, damage: str
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    prepare_dataset(config)
    data_dir = config.data_dir
    intact = {name: (data_dir / name).read_bytes() for name in FILES}
    if damage == "missing val.bin":
        (data_dir / "val.bin").unlink()
    elif damage == "short train.bin":
        (data_dir / "train.bin").write_bytes(intact["train.bin"][:-2])
    elif damage == "zeroed train.bin":
        (data_dir / "train.bin").write_bytes(bytes(len(intact["train.bin"])))
    else:
        (data_dir / "meta.json").write_text("{", encoding="utf-8")

    assert not prepare_dataset(config).skipped
    assert {name: (data_dir / name).read_bytes() for name in FILES} == intact
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(FILES)


def test_a_failure_while_swapping_files_leaves_no_metadata(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    corpus = write_text(tmp_path / "corpus.txt", TEXT)
    config = make_config("text", raw_text_path=corpus)
    prepare_dataset(config)
    data_dir = config.data_dir
    (data_dir / "val.bin").unlink()
    (data_dir / "val.bin").mkdir()
    write_text(corpus, TEXT + "more\n")

    with pytest.raises(DataError, match=f"cannot write the dataset in {data_dir}"):
        prepare_dataset(config)

    assert sorted(p.name for p in data_dir.iterdir()) == ["train.bin", "val.bin"]
    with pytest.raises(DataError, match="not prepared"):
        read_meta(data_dir)


def test_a_failed_prepare_leaves_the_previous_dataset_intact(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    corpus = write_text(tmp_path / "corpus.txt", TEXT)
    config = make_config("text", raw_text_path=corpus)
    prepare_dataset(config)
    before = file_states(config.data_dir)
    code_points = [c for c in range(0x20, 0x20 + 65537 + 2048) if not 0xD800 <= c <= 0xDFFF]
    write_text(corpus, "".join(map(chr, code_points)))

    with pytest.raises(
        DataError, match="65537 distinct characters; token files hold at most 65536"
    ):
        prepare_dataset(config)

    assert file_states(config.data_dir) == before
    assert read_meta(config.data_dir).fingerprint == dataset_fingerprint("text", TEXT, "char", 0.1)


def test_a_failed_first_prepare_leaves_no_metadata(make_config: MakeConfig, tmp_path: Path) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    (config.data_dir / "val.bin").mkdir(parents=True)

    with pytest.raises(DataError, match="cannot write the dataset"):
        prepare_dataset(config)

    assert not (config.data_dir / "meta.json").exists()
    assert sorted(p.name for p in config.data_dir.iterdir()) == ["train.bin", "val.bin"]
    with pytest.raises(DataError, match="ml-playground prepare"):
        load_tokens(config.data_dir, "train")


def test_text_dataset_requires_a_path(make_config: MakeConfig) -> None:
    with pytest.raises(UsageError, match=r'prepare\.raw_text_path: required when .*"text"'):
        prepare_dataset(make_config("text"))


def test_a_text_path_with_another_dataset_is_refused(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("stdlib_char", raw_text_path=write_text(tmp_path / "c.txt", TEXT))

    with pytest.raises(UsageError, match=r"only used with .*got dataset 'stdlib_char'"):
        prepare_dataset(config)


def test_a_corpus_too_small_to_split_is_refused(make_config: MakeConfig, tmp_path: Path) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "tiny.txt", "abc"))

    with pytest.raises(DataError, match="3 tokens, too few"):
        prepare_dataset(config)

    assert not config.data_dir.exists()


@pytest.mark.parametrize(
    ("n_tokens", "val_fraction", "expected"),
    [
        (1_000_000, 0.1, (900_000, 100_000)),
        (10, 0.1, (8, 2)),
        (4, 0.5, (2, 2)),
        (4, 0.01, (2, 2)),
        (100, 0.999, (2, 98)),
        (101, 0.5, (51, 50)),
    ],
)
def test_split_sizes(n_tokens: int, val_fraction: float, expected: tuple[int, int]) -> None:
    assert split_sizes(n_tokens, val_fraction) == expected


def test_fingerprint_depends_on_every_input() -> None:
    base = dataset_fingerprint("text", "abc", "char", 0.1)
    variants = {
        dataset_fingerprint("stdlib_char", "abc", "char", 0.1),
        dataset_fingerprint("text", "abd", "char", 0.1),
        dataset_fingerprint("text", "abc", "bpe", 0.1),
        dataset_fingerprint("text", "abc", "char", 0.2),
    }

    assert len(variants) == 4
    assert base not in variants
    assert base == dataset_fingerprint("text", "abc", "char", 0.1)
    assert len(base) == 64
    assert int(base, 16) >= 0
    assert base != hashlib.sha256(b"abc").hexdigest()


def test_the_fingerprint_is_version_2_of_its_layout() -> None:
    """Checkpoints of data prepared by earlier releases match only while this layout holds."""
    header = "ml_playground dataset v2\0text\0char\x000.1\0"

    assert dataset_fingerprint("text", "abc", "char", 0.1) == (
        hashlib.sha256((header + "abc").encode()).hexdigest()
    )


def test_a_four_character_corpus_gives_two_tokens_to_each_split(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", "ab\u00e9d"))

    result = prepare_dataset(config)

    assert result == PreparedDataset(config.data_dir, False, 4, 2, 2)
    meta = read_meta(config.data_dir)
    assert meta.tokenizer.decode(load_tokens(config.data_dir, "train").tolist()) == "ab"
    assert meta.tokenizer.decode(load_tokens(config.data_dir, "val").tolist()) == "\u00e9d"


def test_meta_json_is_indented_by_one_space_and_keeps_non_ascii_characters(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", "ab\u00e9d"))
    prepare_dataset(config)

    text = (config.data_dir / "meta.json").read_text(encoding="utf-8")

    assert text.startswith('{\n "format_version": 3,\n "dataset": "text",\n "fingerprint": "')
    assert ' "tokenizer": {\n  "kind": "char",\n  "vocab": [\n   "a",\n   "b",\n   "d",\n' in text
    assert '   "\u00e9"\n  ]\n },\n' in text
    assert text.endswith("\n}\n")


def test_missing_parent_folders_of_the_data_dir_are_created(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    made = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    config = dataclasses.replace(made, data_dir=tmp_path / "new" / "deeper" / "data")

    result = prepare_dataset(config=config)

    assert (result.data_dir, result.skipped) == (config.data_dir, False)
    assert sorted(p.name for p in config.data_dir.iterdir()) == sorted(FILES)


def test_a_prepared_dataset_result_cannot_be_changed(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", TEXT))
    result = prepare_dataset(config)

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, "skipped", True)  # noqa: B010
    assert not result.skipped
    assert hash(result) == hash(PreparedDataset(config.data_dir, False, len(set(TEXT)), 297, 33))


def test_a_corpus_of_exactly_65536_distinct_characters_fills_the_token_range(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    code_points = [c for c in range(0x20, 0x20 + 65536 + 2048) if not 0xD800 <= c <= 0xDFFF]
    corpus = "".join(map(chr, code_points))
    config = make_config("text", raw_text_path=write_text(tmp_path / "corpus.txt", corpus))

    result = prepare_dataset(config)

    assert (result.skipped, result.vocab_size) == (False, 65536)
    tokens = np.concatenate([load_tokens(config.data_dir, split) for split in ("train", "val")])
    assert (int(tokens.min()), int(tokens.max()), len(np.unique(tokens))) == (0, 65535, 65536)
