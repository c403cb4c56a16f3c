"""Prepare configurations whose outputs and caches live in the test's temp directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ml_playground.configuration.models import (
    Dataset,
    DownloadConfig,
    PrepareConfig,
    TokenizerKind,
)

NO_DOWNLOAD = DownloadConfig(url="", sha256="", max_bytes=1000, timeout_s=5.0)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., PrepareConfig]:
    def make(
        dataset: Dataset = "stdlib_char",
        *,
        raw_text_path: Path | None = None,
        max_corpus_bytes: int = 1_000_000,
        val_fraction: float = 0.1,
        download: DownloadConfig = NO_DOWNLOAD,
        tokenizer: TokenizerKind = "char",
        vocab_size: int = 2048,
    ) -> PrepareConfig:
        return PrepareConfig(
            dataset=dataset,
            data_dir=tmp_path / "data",
            raw_text_path=raw_text_path,
            max_corpus_bytes=max_corpus_bytes,
            val_fraction=val_fraction,
            cache_dir=tmp_path / "cache",
            tokenizer=tokenizer,
            vocab_size=vocab_size,
            download=download,
        )

    return make
