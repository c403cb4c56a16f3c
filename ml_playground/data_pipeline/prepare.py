"""Turn a corpus into ``train.bin``/``val.bin`` token files plus ``meta.json``, idempotently."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tokenizers

from ml_playground.configuration.models import MAX_VOCAB_SIZE, PrepareConfig
from ml_playground.core.atomic_files import atomic_write_bytes, write_staged
from ml_playground.core.errors import DataError, UsageError
from ml_playground.core.text_tokenizers import (
    BpeTokenizer,
    CharTokenizer,
    Tokenizer,
    WordTokenizer,
)
from ml_playground.data_pipeline.corpus_sources import read_text_file, stdlib_corpus
from ml_playground.data_pipeline.dataset_files import (
    FORMAT_VERSION,
    META_FILE,
    SPLITS,
    TOKEN_DTYPE,
    DatasetMeta,
    load_tokens,
    read_meta,
    token_file,
)
from ml_playground.data_pipeline.download import Opener, fetch_cached
from ml_playground.data_pipeline.lineage import Settings, prepare_settings

FINGERPRINT_VERSION = 2
"""Part of every fingerprint; unchanged by format 3 of ``meta.json``, so checkpoints of data
prepared before it still match the same corpus prepared again."""
MIN_SPLIT_TOKENS = 2
"""Each split needs at least one (input, target) pair."""


@dataclass(frozen=True)
class PreparedDataset:
    data_dir: Path
    skipped: bool
    """True when the files on disk were already current and nothing was written."""
    vocab_size: int
    train_tokens: int
    val_tokens: int


def _silent(_message: str) -> None:
    pass


def load_corpus(
    config: PrepareConfig,
    *,
    stdlib_dir: Path | None = None,
    opener: Opener = urllib.request.urlopen,
    log: Callable[[str], None] = _silent,
) -> str:
    """The text of the configured dataset; ``max_corpus_bytes`` caps the stdlib corpus only."""
    if config.dataset == "text":
        if config.raw_text_path is None:
            raise UsageError('prepare.raw_text_path: required when prepare.dataset = "text"')
        return read_text_file(config.raw_text_path)
    if config.raw_text_path is not None:
        raise UsageError(
            f'prepare.raw_text_path: only used with prepare.dataset = "text",'
            f" got dataset {config.dataset!r}"
        )
    if config.dataset == "stdlib_char":
        return stdlib_corpus(config.max_corpus_bytes, stdlib_dir)
    download = config.download
    content = fetch_cached(
        download.url,
        download.sha256,
        download.max_bytes,
        download.timeout_s,
        config.cache_dir,
        opener=opener,
        log=log,
    )
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{download.url} is not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None


def dataset_fingerprint(dataset: str, corpus: str, tokenizer_kind: str, val_fraction: float) -> str:
    """SHA-256 over everything the prepared files depend on."""
    digest = hashlib.sha256()
    header = f"ml_playground dataset v{FINGERPRINT_VERSION}\0{dataset}\0{tokenizer_kind}\0"
    header += f"{val_fraction!r}\0"
    digest.update(header.encode("utf-8"))
    digest.update(corpus.encode("utf-8"))
    return digest.hexdigest()


def tokenizer_key(config: PrepareConfig) -> str:
    """What the fingerprint records of the tokenizer: its kind and, where the vocabulary is
    chosen, its size (and for bpe the library version, whose merges it would train)."""
    if config.tokenizer == "bpe":
        return f"bpe:{config.vocab_size}:tokenizers {tokenizers.__version__}"
    if config.tokenizer == "word":
        return f"word:{config.vocab_size}"
    return CharTokenizer.KIND


def build_tokenizer(config: PrepareConfig, corpus: str, train_text: str) -> Tokenizer:
    """The configured tokenizer; word and bpe vocabularies are learned from ``train_text``
    only (the word tokenizer also takes every character of ``corpus``, so val encodes)."""
    if config.tokenizer == "bpe":
        return BpeTokenizer.train(train_text, config.vocab_size)
    if config.tokenizer == "word":
        return WordTokenizer.from_text(corpus, train_text, config.vocab_size)
    return CharTokenizer.from_text(corpus)


def split_sizes(n_tokens: int, val_fraction: float) -> tuple[int, int]:
    """(train, val) token counts: the last ``val_fraction`` goes to val, each split gets >= 2."""
    if n_tokens < 2 * MIN_SPLIT_TOKENS:
        raise DataError(
            f"the corpus has {n_tokens} tokens, too few to split into train and validation"
            f" parts of at least {MIN_SPLIT_TOKENS} tokens each"
        )
    wanted = round(n_tokens * val_fraction)
    n_val = min(max(MIN_SPLIT_TOKENS, wanted), n_tokens - MIN_SPLIT_TOKENS)
    return n_tokens - n_val, n_val


def _current(data_dir: Path, fingerprint: str, settings: Settings) -> DatasetMeta | None:
    """The recorded metadata if the files in ``data_dir`` match ``fingerprint``, ``settings``
    and their hashes."""
    try:
        meta = read_meta(data_dir)
        if meta.fingerprint != fingerprint or meta.settings != settings:
            return None
        for split in SPLITS:
            load_tokens(data_dir, split)
    except DataError:
        return None
    return meta


def _write_dataset(data_dir: Path, meta: DatasetMeta, train: bytes, val: bytes) -> None:
    """Stage both token files, then swap them in, then write ``meta.json``.

    ``meta.json`` is removed before the swap and written last, so an interrupted run leaves either
    the previous complete dataset or one without metadata, never mismatched files that look current.
    """
    staged: list[Path] = []
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        staged.append(write_staged(token_file(data_dir, "train"), train))
        staged.append(write_staged(token_file(data_dir, "val"), val))
        (data_dir / META_FILE).unlink(missing_ok=True)
        staged[0].replace(token_file(data_dir, "train"))
        staged[1].replace(token_file(data_dir, "val"))
        document = json.dumps(meta.to_json(), indent=1, ensure_ascii=False) + "\n"
        atomic_write_bytes(data_dir / META_FILE, document.encode("utf-8"))
    except OSError as exc:
        raise DataError(f"cannot write the dataset in {data_dir}: {exc}") from None
    finally:
        for path in staged:
            path.unlink(missing_ok=True)


def prepare_dataset(
    config: PrepareConfig,
    *,
    log: Callable[[str], None] = _silent,
    stdlib_dir: Path | None = None,
    opener: Opener = urllib.request.urlopen,
) -> PreparedDataset:
    """Prepare ``config.data_dir``; skipped when its files already match the corpus."""
    corpus = load_corpus(config, stdlib_dir=stdlib_dir, opener=opener, log=log)
    fingerprint = dataset_fingerprint(
        config.dataset, corpus, tokenizer_key(config), config.val_fraction
    )
    data_dir, settings = config.data_dir, prepare_settings(config)
    current = _current(data_dir, fingerprint, settings)
    if current is not None:
        log(f"dataset in {data_dir} is current; skipping prepare")
        return PreparedDataset(
            data_dir, True, current.vocab_size, current.train_tokens, current.val_tokens
        )
    n_train_chars, _ = split_sizes(len(corpus), config.val_fraction)
    train_text, val_text = corpus[:n_train_chars], corpus[n_train_chars:]
    tokenizer = build_tokenizer(config, corpus, train_text)
    if tokenizer.vocab_size > MAX_VOCAB_SIZE:
        raise DataError(
            f"the corpus has {tokenizer.vocab_size} distinct characters; token files hold at most"
            f" {MAX_VOCAB_SIZE}"
        )
    train_ids, val_ids = tokenizer.encode(train_text), tokenizer.encode(val_text)
    n_train, n_val = len(train_ids), len(val_ids)
    if min(n_train, n_val) < MIN_SPLIT_TOKENS:
        raise DataError(
            f"the corpus has {n_train} train and {n_val} val tokens; each split needs at least"
            f" {MIN_SPLIT_TOKENS}: use a longer corpus or another prepare.val_fraction"
        )
    train = np.array(train_ids, dtype=TOKEN_DTYPE).tobytes()
    val = np.array(val_ids, dtype=TOKEN_DTYPE).tobytes()
    meta = DatasetMeta(
        format_version=FORMAT_VERSION,
        dataset=config.dataset,
        tokenizer=tokenizer,
        train_tokens=n_train,
        val_tokens=n_val,
        val_fraction=config.val_fraction,
        fingerprint=fingerprint,
        sha256={"train": hashlib.sha256(train).hexdigest(), "val": hashlib.sha256(val).hexdigest()},
        settings=settings,
    )
    _write_dataset(data_dir, meta, train, val)
    log(
        f"prepared {config.dataset} in {data_dir}: vocabulary {tokenizer.vocab_size},"
        f" {n_train} train and {n_val} val tokens"
    )
    return PreparedDataset(data_dir, False, tokenizer.vocab_size, n_train, n_val)
