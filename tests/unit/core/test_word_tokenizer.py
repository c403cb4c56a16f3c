"""The word tokenizer: vocabulary choice, round trips, stored form."""

from __future__ import annotations

import json

import pytest

from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.text_tokenizers import (
    PIECES,
    CharTokenizer,
    WordTokenizer,
    tokenizer_from_meta,
)

pytestmark = pytest.mark.unit

CODE = "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n" * 20
TRAIN = "bb aa aa bb cc cc cc d d d d"


@pytest.mark.parametrize(
    ("vocab_size", "words"),
    [(10, ["aa", "bb", "cc"]), (9, ["aa", "bb", "cc"]), (8, ["aa", "cc"]), (7, ["cc"]), (6, [])],
)
def test_the_word_vocabulary_is_every_character_and_the_most_frequent_words(
    vocab_size: int, words: list[str]
) -> None:
    tokenizer = WordTokenizer.from_text(TRAIN + "\u00e9", TRAIN, vocab_size)
    chars = [" ", "a", "b", "c", "d", "\u00e9"]
    assert tokenizer.to_meta() == {"kind": "word", "vocab": chars + words}
    assert tokenizer.vocab_size == len(chars) + len(words)
    assert tokenizer.kind == "word"


def test_known_words_are_one_token_and_other_words_are_spelled_out() -> None:
    tokenizer = WordTokenizer([" ", "a", "b", "(", "ab"])
    assert tokenizer.encode("ab (ba") == [4, 0, 3, 2, 1]
    assert tokenizer.decode([4, 0, 3, 2, 1]) == "ab (ba"
    with pytest.raises(UsageError, match=r"^cannot encode 'c': not a character of the prepared"):
        tokenizer.encode("ab cab")
    with pytest.raises(UsageError, match=r"^cannot decode token id 5: expected 0 <= id < 5"):
        tokenizer.decode([0, 5, -1])
    with pytest.raises(UsageError, match=r"^cannot decode token id -1:"):
        tokenizer.decode([-1])


def test_a_word_tokenizer_round_trips_its_corpus_and_its_description() -> None:
    tokenizer = WordTokenizer.from_text(CODE, CODE, 30)
    ids = tokenizer.encode(CODE)
    assert tokenizer.decode(ids) == CODE
    assert len(ids) == len(PIECES.findall(CODE))  # every word of the corpus is one token
    rebuilt = tokenizer_from_meta(json.loads(json.dumps(tokenizer.to_meta())))
    assert rebuilt == tokenizer
    assert hash(rebuilt) == hash(tokenizer)
    assert tokenizer != WordTokenizer.from_text(CODE, CODE, len(set(CODE)))
    assert tokenizer.__eq__("x") is NotImplemented
    assert WordTokenizer(["a", "b"]) != CharTokenizer(["a", "b"])


def test_a_vocabulary_below_the_characters_is_refused() -> None:
    with pytest.raises(UsageError, match=r"expected at least 6 \(the corpus's distinct"):
        WordTokenizer.from_text(TRAIN + "\u00e9", TRAIN, 5)


@pytest.mark.parametrize(
    ("vocab", "message"),
    [
        ([], "at least one token and no empty ones"),
        (["a", ""], "at least one token and no empty ones"),
        (["a", "bc", "a", "bc"], "no duplicates, got 'a' twice"),
    ],
)
def test_a_malformed_word_vocabulary_is_refused(vocab: list[str], message: str) -> None:
    with pytest.raises(DataError, match=message):
        WordTokenizer(vocab)
