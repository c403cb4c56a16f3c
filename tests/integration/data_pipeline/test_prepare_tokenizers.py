"""prepare with the word and BPE tokenizers: learned on the train split, stored, current."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ml_playground.configuration.models import PrepareConfig
from ml_playground.core.errors import DataError
from ml_playground.core.text_tokenizers import BpeTokenizer, WordTokenizer
from ml_playground.data_pipeline.dataset_files import load_tokens, read_meta
from ml_playground.data_pipeline.prepare import prepare_dataset, split_sizes

pytestmark = pytest.mark.integration

MakeConfig = Callable[..., PrepareConfig]
TRAIN = "def add(a, b):\n    return a + b\n\n" * 30
VAL = "class Point:\n    x = add(1, 2)\n" * 3


def corpus(tmp_path: Path, text: str = TRAIN + VAL) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8", newline="")
    return path


def decoded(config: PrepareConfig, split: str) -> str:
    meta = read_meta(config.data_dir)
    tokens = load_tokens(config.data_dir, "train" if split == "train" else "val")
    return meta.tokenizer.decode([int(t) for t in tokens])


@pytest.mark.parametrize("kind", ["word", "bpe"])
def test_the_vocabulary_is_learned_from_the_train_split_and_every_split_decodes(
    make_config: MakeConfig, tmp_path: Path, kind: str
) -> None:
    text = TRAIN + VAL
    n_train, _ = split_sizes(len(text), 0.1)
    config = make_config("text", raw_text_path=corpus(tmp_path), tokenizer=kind, vocab_size=300)
    result = prepare_dataset(config)

    meta = read_meta(config.data_dir)
    train_text = text[:n_train]
    expected = (
        BpeTokenizer.train(train_text, 300)
        if kind == "bpe"
        else WordTokenizer.from_text(text, train_text, 300)
    )
    assert meta.tokenizer == expected
    assert (meta.tokenizer.kind, result.vocab_size) == (kind, expected.vocab_size)
    assert decoded(config, "train") == train_text
    assert decoded(config, "val") == text[n_train:]
    assert result.train_tokens < n_train  # several characters per token


def test_bpe_is_prepared_again_for_another_vocabulary_size_only(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    raw = corpus(tmp_path)
    first = prepare_dataset(make_config("text", raw_text_path=raw, tokenizer="bpe", vocab_size=260))
    again = prepare_dataset(make_config("text", raw_text_path=raw, tokenizer="bpe", vocab_size=260))
    bigger = prepare_dataset(
        make_config("text", raw_text_path=raw, tokenizer="bpe", vocab_size=270)
    )
    assert (first.skipped, again.skipped, bigger.skipped) == (False, True, False)
    assert first.vocab_size == 260
    assert bigger.vocab_size == 270
    word = prepare_dataset(make_config("text", raw_text_path=raw, tokenizer="word", vocab_size=300))
    assert not word.skipped


def test_a_split_that_encodes_to_too_few_tokens_is_refused(
    make_config: MakeConfig, tmp_path: Path
) -> None:
    config = make_config(
        "text",
        raw_text_path=corpus(tmp_path, "abcd" * 50 + "abcdabcd"),
        tokenizer="bpe",
        vocab_size=400,
        val_fraction=0.03,
    )
    with pytest.raises(DataError) as raised:
        prepare_dataset(config)
    assert str(raised.value) == (
        "the corpus has 1 train and 2 val tokens; each split needs at least 2: use a longer"
        " corpus or another prepare.val_fraction"
    )
