"""Which ``[prepare]`` settings made a dataset, and how a changed one is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_playground.configuration.models import Dataset, DownloadConfig, PrepareConfig
from ml_playground.core.errors import UsageError
from ml_playground.data_pipeline.lineage import check_prepared, differences, prepare_settings

pytestmark = pytest.mark.unit

URL = "https://example.invalid/input.txt"
SHA256 = "a" * 64


def prepare_config(dataset: Dataset) -> PrepareConfig:
    return PrepareConfig(
        dataset=dataset,
        data_dir=Path("/data/x"),
        raw_text_path=Path("/corpus.txt"),
        max_corpus_bytes=1000,
        val_fraction=0.1,
        cache_dir=Path("/cache"),
        tokenizer="word",
        vocab_size=300,
        download=DownloadConfig(url=URL, sha256=SHA256, max_bytes=10, timeout_s=1.0),
    )


def test_the_text_dataset_records_its_corpus_path() -> None:
    assert prepare_settings(prepare_config("text")) == {
        "dataset": "text",
        "tokenizer": "word",
        "val_fraction": 0.1,
        "vocab_size": 300,
        "raw_text_path": str(Path("/corpus.txt")),
    }


def test_the_standard_library_dataset_records_its_size_limit_not_a_download() -> None:
    assert prepare_settings(prepare_config("stdlib_char")) == {
        "dataset": "stdlib_char",
        "tokenizer": "word",
        "val_fraction": 0.1,
        "vocab_size": 300,
        "max_corpus_bytes": 1000,
    }


def test_a_downloaded_dataset_records_its_url_and_checksum_not_a_size_limit() -> None:
    assert prepare_settings(prepare_config("shakespeare_char")) == {
        "dataset": "shakespeare_char",
        "tokenizer": "word",
        "val_fraction": 0.1,
        "vocab_size": 300,
        "download.url": URL,
        "download.sha256": SHA256,
    }


def test_a_setting_recorded_or_wanted_on_one_side_only_is_a_difference() -> None:
    recorded = {"dataset": "text", "vocab_size": 300}
    wanted = {"dataset": "text", "raw_text_path": "/corpus.txt"}

    assert differences(recorded, wanted) == [
        "prepare.raw_text_path unset != '/corpus.txt'",
        "prepare.vocab_size 300 != unset",
    ]
    assert differences(recorded, recorded) == []


def test_data_made_by_other_settings_is_refused_with_the_command_that_prepares_it_again() -> None:
    config = prepare_config("stdlib_char")
    recorded = {**prepare_settings(config), "max_corpus_bytes": 5}

    with pytest.raises(UsageError) as raised:
        check_prepared(recorded, config, "ml-playground prepare x")

    assert str(raised.value) == (
        f"the data in {Path('/data/x')} was prepared with other [prepare] settings"
        " (prepare.max_corpus_bytes 5 != 1000); `ml-playground prepare x` prepares it again"
    )
    check_prepared(prepare_settings(config), config, "unused")
