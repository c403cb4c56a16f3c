"""Word-level tokens: the most frequent words of the corpus, every other word spelled out in
characters, so that any text over the corpus's characters round-trips."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import ClassVar

from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.vocabulary import VocabularyTokenizer

PIECES = re.compile(r"\w+|\W")
"""A text is a sequence of words (runs of letters, digits and ``_``) and single other
characters; joining the pieces gives the text back."""


class WordTokenizer(VocabularyTokenizer):
    """Ids are positions in ``vocab``: single characters and whole words."""

    KIND: ClassVar[str] = "word"

    def __init__(self, vocab: Iterable[str]) -> None:
        tokens = tuple(vocab)
        if not tokens or "" in tokens:
            raise DataError("a word vocabulary holds at least one token and no empty ones")
        if len(set(tokens)) != len(tokens):
            duplicate = next(t for t, n in Counter(tokens).items() if n > 1)
            raise DataError(f"a word vocabulary has no duplicates, got {duplicate!r} twice")
        super().__init__(tokens)

    @classmethod
    def from_text(cls, corpus: str, train_text: str, vocab_size: int) -> WordTokenizer:
        """Every character of ``corpus`` and, up to ``vocab_size`` tokens in all, the most
        frequent words of ``train_text`` (ties in code point order)."""
        chars = sorted(set(corpus))
        if vocab_size < len(chars):
            raise UsageError(
                f"prepare.vocab_size: expected at least {len(chars)} (the corpus's distinct"
                f" characters, each a token of the word tokenizer), got {vocab_size}"
            )
        counts = Counter(w for w in PIECES.findall(train_text) if len(w) > 1)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        words = [word for word, _ in ranked[: max(0, vocab_size - len(chars))]]
        return cls([*chars, *sorted(words)])

    def encode(self, text: str) -> list[int]:
        stoi = self._stoi
        ids: list[int] = []
        for piece in PIECES.findall(text):
            found = stoi.get(piece)
            if found is not None:
                ids.append(found)
                continue
            unknown = [c for c in piece if c not in stoi]
            if unknown:
                raise UsageError(
                    f"cannot encode {unknown[0]!r}: not a character of the prepared corpus"
                )
            ids.extend(stoi[c] for c in piece)
        return ids
