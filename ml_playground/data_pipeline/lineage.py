"""Which ``[prepare]`` settings made a dataset: recorded in ``meta.json`` and in every checkpoint,
and compared with the run's ``[prepare]`` before ``train``, ``sample`` and ``loop`` use the data,
so that a changed setting is never silently trained on the old tokens."""

from __future__ import annotations

from collections.abc import Mapping

from ml_playground.configuration.models import PrepareConfig
from ml_playground.core.errors import UsageError

Settings = Mapping[str, object]


def prepare_settings(config: PrepareConfig) -> dict[str, object]:
    """The settings the token files depend on; the others (``data_dir``, ``cache_dir``, the
    download limits) and those the dataset or tokenizer ignores are left out."""
    settings: dict[str, object] = {
        "dataset": config.dataset,
        "tokenizer": config.tokenizer,
        "val_fraction": config.val_fraction,
    }
    if config.tokenizer != "char":
        settings["vocab_size"] = config.vocab_size
    if config.dataset == "text":
        settings["raw_text_path"] = str(config.raw_text_path)
    elif config.dataset == "stdlib_char":
        settings["max_corpus_bytes"] = config.max_corpus_bytes
    else:
        settings["download.url"] = config.download.url
        settings["download.sha256"] = config.download.sha256
    return settings


def differences(recorded: Settings, wanted: Settings) -> list[str]:
    """``prepare.KEY <recorded> != <wanted>`` for each setting that differs, sorted by key."""
    return [
        f"prepare.{key} {_shown(recorded, key)} != {_shown(wanted, key)}"
        for key in sorted(set(recorded) | set(wanted))
        if _shown(recorded, key) != _shown(wanted, key)
    ]


def _shown(settings: Settings, key: str) -> str:
    return repr(settings[key]) if key in settings else "unset"


def check_prepared(recorded: Settings, config: PrepareConfig, command: str) -> None:
    """Refuse data that other ``[prepare]`` settings made; ``command`` prepares it again."""
    found = differences(recorded, prepare_settings(config))
    if found:
        raise UsageError(
            f"the data in {config.data_dir} was prepared with other [prepare] settings"
            f" ({', '.join(found)}); `{command}` prepares it again"
        )
