"""Concrete tokenizers and their reconstruction from ``meta.json``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import ClassVar, cast

from ml_playground.core.bpe_tokenizer import BpeTokenizer
from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.tokenizer_protocol import Tokenizer
from ml_playground.core.vocabulary import VocabularyTokenizer
from ml_playground.core.word_tokenizer import WordTokenizer


class CharTokenizer(VocabularyTokenizer):
    """One token per character; the id of a character is its position in ``vocab``."""

    KIND: ClassVar[str] = "char"

    def __init__(self, vocab: Iterable[str]) -> None:
        chars = tuple(vocab)
        if not chars:
            raise DataError("a character vocabulary needs at least one character")
        not_single = [c for c in chars if len(c) != 1]
        if not_single:
            raise DataError(
                f"a character vocabulary holds single characters, got {not_single[0]!r}"
            )
        if len(set(chars)) != len(chars):
            duplicates = sorted(c for c, n in Counter(chars).items() if n > 1)
            raise DataError(
                f"a character vocabulary has no duplicates, got {', '.join(map(repr, duplicates))}"
            )
        super().__init__(chars)

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The vocabulary of ``text``: its distinct characters in code point order."""
        return cls(sorted(set(text)))

    def encode(self, text: str) -> list[int]:
        stoi = self._stoi
        try:
            return [stoi[c] for c in text]
        except KeyError:
            unknown = sorted(set(text).difference(stoi))
            raise UsageError(
                f"cannot encode {', '.join(map(repr, unknown))}: not in the vocabulary of"
                f" {len(self._itos)} characters, which comes from the prepared corpus"
            ) from None

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={len(self._itos)})"


def tokenizer_from_meta(meta_tokenizer: Mapping[str, object]) -> Tokenizer:
    """Rebuild the tokenizer described by the ``tokenizer`` object of ``meta.json``."""
    kind = meta_tokenizer.get("kind")
    if kind == BpeTokenizer.KIND:
        text = meta_tokenizer.get("json")
        if not isinstance(text, str):
            raise DataError(f"tokenizer.json: expected a JSON text, got {type(text).__name__}")
        try:
            return BpeTokenizer(text)
        except DataError as exc:
            raise DataError(f"tokenizer.json: {exc}") from None
    if kind not in (CharTokenizer.KIND, WordTokenizer.KIND):
        raise DataError(
            f"tokenizer.kind: unknown tokenizer kind {kind!r}, expected 'char', 'word' or 'bpe'"
        )
    vocab = meta_tokenizer.get("vocab")
    if not isinstance(vocab, list):
        raise DataError(f"tokenizer.vocab: expected a list of strings, got {type(vocab).__name__}")
    tokens: list[str] = []
    for index, item in enumerate(cast("list[object]", vocab)):
        if not isinstance(item, str):
            raise DataError(f"tokenizer.vocab[{index}]: expected a string, got {item!r}")
        tokens.append(item)
    try:
        return CharTokenizer(tokens) if kind == CharTokenizer.KIND else WordTokenizer(tokens)
    except DataError as exc:
        raise DataError(f"tokenizer.vocab: {exc}") from None
