from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml_playground.core.text_tokenizers import (
    BpeTokenizer,
    CharTokenizer,
    WordTokenizer,
    tokenizer_from_meta,
)

pytestmark = pytest.mark.property

vocabularies = st.lists(st.characters(), min_size=1, max_size=60, unique=True)


@st.composite
def vocab_and_text(draw: st.DrawFn) -> tuple[list[str], str]:
    vocab = draw(vocabularies)
    return vocab, draw(st.text(alphabet=st.sampled_from(vocab), max_size=200))


@given(vocab_and_text())
def test_decode_inverts_encode_for_texts_over_the_vocabulary(case: tuple[list[str], str]) -> None:
    vocab, text = case
    tokenizer = CharTokenizer(vocab)

    ids = tokenizer.encode(text)

    assert len(ids) == len(text)
    assert all(0 <= i < len(vocab) for i in ids)
    assert tokenizer.decode(ids) == text


@given(st.text(min_size=1))
def test_a_text_round_trips_through_its_own_vocabulary(text: str) -> None:
    tokenizer = CharTokenizer.from_text(text)

    assert tokenizer.vocab_size == len(set(text))
    assert tokenizer.decode(tokenizer.encode(text)) == text


@given(vocab_and_text())
def test_meta_round_trip_preserves_the_encoding(case: tuple[list[str], str]) -> None:
    vocab, text = case
    tokenizer = CharTokenizer(vocab)

    rebuilt = tokenizer_from_meta(json.loads(json.dumps(tokenizer.to_meta())))

    assert rebuilt == tokenizer
    assert rebuilt.encode(text) == tokenizer.encode(text)


@given(st.text(min_size=1), st.integers(min_value=0, max_value=300))
def test_a_word_tokenizer_round_trips_its_corpus(text: str, extra_words: int) -> None:
    vocab_size = len(set(text)) + extra_words
    tokenizer = WordTokenizer.from_text(text, text, vocab_size)

    assert tokenizer.vocab_size <= vocab_size
    assert tokenizer.decode(tokenizer.encode(text)) == text


@given(st.text(min_size=1, max_size=300), st.text(max_size=100))
def test_a_bpe_tokenizer_round_trips_any_text(corpus: str, other: str) -> None:
    tokenizer = BpeTokenizer.train(corpus, 300)

    assert tokenizer.vocab_size <= 300
    assert tokenizer.decode(tokenizer.encode(corpus)) == corpus
    assert tokenizer.decode(tokenizer.encode(other)) == other
