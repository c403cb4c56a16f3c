"""Byte-level BPE trained on the corpus with the ``tokenizers`` library; stored as its JSON
text, so that meta.json and checkpoints (read with ``weights_only=True``) hold plain data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import tokenizers
from tokenizers import decoders, models, pre_tokenizers, trainers

from ml_playground.core.errors import DataError
from ml_playground.core.vocabulary import check_ids


class BpeTokenizer:
    """Any text round-trips: the base tokens are the 256 byte values."""

    KIND: ClassVar[str] = "bpe"

    def __init__(self, json_text: str) -> None:
        try:
            self._tokenizer = tokenizers.Tokenizer.from_str(json_text)
        except Exception as exc:  # the library raises its own Exception subclass
            raise DataError(f"not a tokenizers JSON document ({exc})") from None
        self._json = json_text

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BpeTokenizer:
        """Merges learned from ``text`` until ``vocab_size`` tokens (fewer when ``text`` runs
        out of pairs). The same text and size give the same tokenizer."""
        model = tokenizers.Tokenizer(models.BPE())
        model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        model.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        model.train_from_iterator([text], trainer=trainer)
        return cls(model.to_str())

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text).ids)

    def decode(self, ids: Sequence[int]) -> str:
        check_ids(ids, self.vocab_size)
        return self._tokenizer.decode(list(ids), skip_special_tokens=False)

    def to_meta(self) -> dict[str, object]:
        return {"kind": self.KIND, "json": self._json}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BpeTokenizer):
            return NotImplemented
        return self._json == other._json

    def __hash__(self) -> int:
        return hash((self.KIND, self._json))
