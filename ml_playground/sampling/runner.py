"""Sample text from a trained experiment: checkpoint per read policy → tokenizer → generate."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

import torch

from ml_playground.configuration.loader import START_FILE_PREFIX
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.core.devices import resolve_device
from ml_playground.core.errors import CheckpointError, UsageError
from ml_playground.core.text_tokenizers import Tokenizer
from ml_playground.data_pipeline.dataset_files import read_meta
from ml_playground.sampling.generate import generate
from ml_playground.training.checkpointing.contents import CheckpointInfo
from ml_playground.training.checkpointing.manager import CheckpointManager
from ml_playground.training.checkpointing.restore import restore_model
from ml_playground.training.run_files import checkpoint_dir

SEPARATOR = "-" * 40


def start_text(start: str) -> str:
    """The configured prompt, read from a file for ``FILE:path``."""
    if not start.startswith(START_FILE_PREFIX):
        return start
    path = Path(start.removeprefix(START_FILE_PREFIX))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"sample.start: cannot read start file {path} ({exc})") from None


def sample(
    config: ExperimentConfig,
    *,
    warn: Callable[[str], None],
    write: Callable[[str], None],
    start_from: str | None = None,
) -> list[str]:
    """Generate ``num_samples`` texts, writing each (and a separator) as it is done.

    The checkpoint is ``start_from`` (``best``, ``last`` or a path) or else the one
    ``train.runtime.read_policy`` prefers.

    Everything comes from the checkpoint; only one written before checkpoints carried their
    tokenizer falls back to the prepared data's ``meta.json``.
    """
    runtime, settings = config.train.runtime, config.sample
    device = resolve_device(runtime.device)
    prompt = start_text(settings.start)
    if not prompt:
        raise UsageError("sample.start: expected a non-empty start text")

    manager = CheckpointManager(
        checkpoint_dir(runtime.out_dir),
        keep_last=runtime.keep_last,
        keep_best=runtime.keep_best,
        warn=warn,
        move_unreadable=False,
    )
    loaded = manager.chosen(start_from) if start_from else manager.load(runtime.read_policy)

    def tokenizer_of(info: CheckpointInfo, path: Path) -> Tokenizer:
        return info.tokenizer or _tokenizer_of_the_data(config, info, path, warn)

    restored = restore_model(loaded, device, tokenizer_of, ema_decay=runtime.ema_decay)
    model, tokenizer = restored.model, restored.checked
    prompt_ids = tokenizer.encode(prompt)
    weights = restored.ema.applied_to(model) if restored.ema else contextlib.nullcontext()

    generator = torch.Generator(device=device).manual_seed(settings.seed)
    idx = torch.tensor([prompt_ids], dtype=torch.long, device=device)
    texts: list[str] = []
    with weights:
        for _ in range(settings.num_samples):
            out = generate(
                model,
                idx,
                settings.max_new_tokens,
                temperature=settings.temperature,
                top_k=settings.top_k,
                top_p=settings.top_p,
                generator=generator,
            )
            (ids,) = cast(list[list[int]], out.tolist())  # pyright: ignore[reportUnknownMemberType]
            text = tokenizer.decode(ids)
            texts.append(text)
            write(text)
            write(SEPARATOR)
    return texts


def _tokenizer_of_the_data(
    config: ExperimentConfig, info: CheckpointInfo, path: Path, warn: Callable[[str], None]
) -> Tokenizer:
    data_dir = config.prepare.data_dir
    warn(
        f"warning: checkpoint {path} predates checkpoints that carry their tokenizer; using the"
        f" one of the prepared data in {data_dir}"
    )
    tokenizer = read_meta(data_dir).tokenizer
    if tokenizer.vocab_size != info.vocab_size:
        raise CheckpointError(
            f"checkpoint {path} has a vocabulary of {info.vocab_size} tokens, the prepared data"
            f" in {data_dir} one of {tokenizer.vocab_size}: it was trained on other data"
        )
    return tokenizer
