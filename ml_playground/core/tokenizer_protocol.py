"""The interface every tokenizer offers to preparation, training and sampling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Tokenizer(Protocol):
    """Maps text to token ids and back; ``to_meta`` is what ``meta.json`` stores."""

    @property
    def kind(self) -> str: ...

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def to_meta(self) -> dict[str, object]:
        """JSON-serialisable; ``tokenizer_from_meta`` turns it back into an equal tokenizer."""
        ...
