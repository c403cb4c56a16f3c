"""Load an experiment, then validate it. Layers, each over the one before: packaged defaults →
the experiment's config.toml → the ``--exp-config`` file → JSON in the environment → ``--set``.

Relative paths resolve against the directory of the file that declared them. The packaged TOML
files live inside the installed package, so their relative paths resolve against the working
directory instead: nothing is ever written into site-packages.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from ml_playground.configuration.merge import LayeredConfig, Source
from ml_playground.configuration.models import (
    BYTE_TOKENS,
    ExperimentConfig,
    FieldConflict,
    PrepareConfig,
    SampleConfig,
    TrainConfig,
    cross_field_errors,
)
from ml_playground.configuration.validation import build_model
from ml_playground.core.errors import ConfigError, UsageError

EXPERIMENTS_DIR = Path(__file__).resolve().parent.parent / "experiments"
DEFAULT_CONFIG = EXPERIMENTS_DIR / "default_config.toml"
DEFAULT_EXPERIMENT = "stdlib_char"
TRAIN_OVERRIDES_ENV = "ML_PLAYGROUND_TRAIN_OVERRIDES"
SAMPLE_OVERRIDES_ENV = "ML_PLAYGROUND_SAMPLE_OVERRIDES"
START_FILE_PREFIX = "FILE:"
SET_OPTION = "--set"
EXPERIMENT_PLACEHOLDER = "{experiment}"
BYTE_ORDER_MARK = "\ufeff"


def list_experiments(experiments_dir: Path = EXPERIMENTS_DIR) -> list[str]:
    return sorted(p.parent.name for p in experiments_dir.glob("*/config.toml"))


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8").removeprefix(BYTE_ORDER_MARK)
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(str(path), "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), "", f"expected UTF-8 text, got an invalid byte at offset {exc.start}"
        ) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer beyond Python's digit limit
        raise ConfigError(str(path), "", f"invalid TOML ({_first_clause(exc)})") from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read file ({exc.strerror})") from None


def _first_clause(exc: ValueError) -> str:
    """The message of ``exc`` without the advice to call ``sys.set_int_max_str_digits``."""
    return str(exc).split("; use sys.set_int_max_str_digits")[0]


def read_overrides(variable: str, env: Mapping[str, str]) -> dict[str, Any]:
    text = env.get(variable, "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an integer beyond Python's digit limit
        raise ConfigError(
            variable, "", f"expected a JSON object, got invalid JSON ({_first_clause(exc)})"
        ) from None
    if not isinstance(value, dict):
        raise ConfigError(variable, "", f"expected a JSON object, got {text!r}")
    return value  # pyright: ignore[reportUnknownVariableType]


def parse_assignment(text: str) -> dict[str, Any]:
    """``a.b.c=VALUE`` as the table ``{"a": {"b": {"c": value}}}``.

    VALUE is read as a TOML value (``3e-4``, ``true``, ``"text"``, ``[1, 2]``); anything that is
    not one, such as ``cpu``, is taken as the plain string.
    """
    key, sep, raw = text.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(part.strip() for part in parts):
        raise ConfigError(SET_OPTION, "", f"expected KEY=VALUE with a dotted KEY, got {text!r}")
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        parsed = {}
    except ValueError as exc:  # an integer beyond Python's digit limit
        reason = f"cannot read the value ({_first_clause(exc)})"
        raise ConfigError(SET_OPTION, key.strip(), reason) from None
    value: object = parsed["value"] if list(parsed) == ["value"] else raw
    for part in reversed(parts):
        value = {part.strip(): value}
    return cast("dict[str, Any]", value)


def experiment_file(name: str, experiments_dir: Path = EXPERIMENTS_DIR) -> Path:
    """The config.toml of a packaged experiment; a name is never a path (``--exp-config`` is)."""
    known = list_experiments(experiments_dir)
    if name not in known:
        raise UsageError(
            f"unknown experiment {name!r}; expected one of: {', '.join(known) or 'none'}"
        )
    return experiments_dir / name / "config.toml"


def load_experiment(
    name: str | None = None,
    exp_config: Path | None = None,
    *,
    env: Mapping[str, str],
    cwd: Path,
    assignments: Sequence[str] = (),
    experiments_dir: Path = EXPERIMENTS_DIR,
) -> ExperimentConfig:
    """Merge and validate the configuration of one experiment.

    ``--exp-config`` alone replaces the packaged experiment; given with a ``name``, it is merged
    over that experiment's file. ``assignments`` are the ``--set KEY=VALUE`` texts.
    """
    layered = LayeredConfig()
    packaged = Source(str(DEFAULT_CONFIG), cwd)
    layered.add(read_toml(experiments_dir / "default_config.toml"), packaged)
    files: list[tuple[Path, Path]] = []  # each file with the directory its paths resolve in
    if name is not None or exp_config is None:
        files.append((experiment_file(name or DEFAULT_EXPERIMENT, experiments_dir), cwd))
    if exp_config is not None:
        own = (cwd / exp_config).resolve()
        files.append((own, own.parent))
    for path, base_dir in files:
        layered.add(read_toml(path), Source(str(path), base_dir))
    config_path = files[-1][0]
    experiment_name = name or (
        config_path.parent.name if config_path.stem == "config" else config_path.stem
    )
    for variable, section in ((TRAIN_OVERRIDES_ENV, "train"), (SAMPLE_OVERRIDES_ENV, "sample")):
        overrides = read_overrides(variable, env)
        if overrides:
            layered.add(overrides, Source(variable, cwd), prefix=(section,))
    for text in assignments:
        layered.add(parse_assignment(text), Source(SET_OPTION, cwd))
    return validate(layered, experiment_name, config_path)


def validate(layered: LayeredConfig, name: str, source: Path) -> ExperimentConfig:
    for key in layered.data:
        if key not in ("prepare", "train", "sample"):
            raise ConfigError(
                layered.source_of((key,)).label,
                key,
                "unknown section; expected one of: prepare, train, sample",
            )
    prepare = build_model(PrepareConfig, layered, ("prepare",))
    train = build_model(TrainConfig, layered, ("train",))
    sample = build_model(SampleConfig, layered, ("sample",))
    prepare = replace(prepare, data_dir=_named(prepare.data_dir, name))
    train = replace(
        train, runtime=replace(train.runtime, out_dir=_named(train.runtime.out_dir, name))
    )
    problems = cross_field_errors(train) + _prepare_errors(prepare)
    if problems:
        conflict = problems[0]
        keys = (conflict.key_path, conflict.related_key_path, *conflict.also_related)
        culprit = layered.latest_source(*(tuple(key.split(".")) for key in keys))
        raise ConfigError(culprit.label, conflict.key_path, conflict.expected)
    if sample.start.startswith(START_FILE_PREFIX):
        start_path = Path(sample.start.removeprefix(START_FILE_PREFIX)).expanduser()
        if not start_path.is_absolute():
            start_path = layered.source_of(("sample", "start")).base_dir / start_path
        sample = replace(sample, start=START_FILE_PREFIX + str(start_path))
    return ExperimentConfig(name=name, source=source, prepare=prepare, train=train, sample=sample)


def _named(path: Path, name: str) -> Path:
    """``path`` with ``{experiment}`` replaced by the experiment's name."""
    return Path(str(path).replace(EXPERIMENT_PLACEHOLDER, name))


def _prepare_errors(prepare: PrepareConfig) -> list[FieldConflict]:
    if prepare.tokenizer == "bpe" and prepare.vocab_size < BYTE_TOKENS:
        return [
            FieldConflict(
                "prepare.vocab_size",
                "prepare.tokenizer",
                f"expected at least {BYTE_TOKENS} (one token per byte) when prepare.tokenizer ="
                f' "bpe", got {prepare.vocab_size}',
            )
        ]
    if prepare.dataset == "text" and prepare.raw_text_path is None:
        return [
            FieldConflict(
                "prepare.raw_text_path",
                "prepare.dataset",
                'expected a path when prepare.dataset = "text"',
            )
        ]
    download = prepare.download
    if prepare.dataset == "shakespeare_char" and not (download.url and download.sha256):
        return [
            FieldConflict(
                "prepare.download.url",
                "prepare.dataset",
                'expected a url and a sha256 when prepare.dataset = "shakespeare_char"',
            )
        ]
    return []
