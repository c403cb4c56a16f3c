from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml_playground.configuration.loader import (
    DEFAULT_CONFIG,
    SAMPLE_OVERRIDES_ENV,
    TRAIN_OVERRIDES_ENV,
    list_experiments,
    load_experiment,
    parse_assignment,
)
from ml_playground.core.errors import ConfigError, UsageError

pytestmark = pytest.mark.unit


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_experiments_are_listed() -> None:
    assert list_experiments() == ["shakespeare_char", "stdlib_bpe", "stdlib_char"]


def test_default_experiment_merges_over_defaults_and_resolves_against_cwd(tmp_path: Path) -> None:
    config = load_experiment(env={}, cwd=tmp_path)
    assert config.name == "stdlib_char"
    assert config.train.runtime.max_iters == 2000  # from the experiment file
    assert config.train.optim.learning_rate == 1e-3  # from the defaults
    assert config.prepare.data_dir == tmp_path / "out" / "stdlib_char" / "data"
    assert config.prepare.raw_text_path is None


def test_relative_paths_resolve_against_the_declaring_file(tmp_path: Path) -> None:
    exp = write(
        tmp_path / "exps" / "mine.toml",
        '[prepare]\ndataset = "text"\nraw_text_path = "corpus.txt"\n'
        '[train.runtime]\nout_dir = "../runs/x"\n[sample]\nstart = "FILE:prompt.txt"\n',
    )
    config = load_experiment(exp_config=exp, env={}, cwd=tmp_path / "elsewhere")
    assert config.name == "mine"
    assert config.prepare.raw_text_path == tmp_path / "exps" / "corpus.txt"
    assert config.train.runtime.out_dir == tmp_path / "exps" / ".." / "runs" / "x"
    assert config.sample.start == "FILE:" + str(tmp_path / "exps" / "prompt.txt")
    # data_dir was declared by the packaged defaults: working directory
    assert config.prepare.data_dir == tmp_path / "elsewhere" / "out" / "mine" / "data"


def test_an_absolute_start_file_is_kept_as_declared(tmp_path: Path) -> None:
    prompt = tmp_path / "prompts" / "start.txt"
    exp = write(tmp_path / "exps" / "mine.toml", f'[sample]\nstart = "FILE:{prompt.as_posix()}"\n')
    config = load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    assert config.sample.start == f"FILE:{prompt}"


def test_exp_config_named_config_toml_takes_its_directory_name(tmp_path: Path) -> None:
    exp = write(tmp_path / "tiny" / "config.toml", "")
    assert load_experiment(exp_config=exp, env={}, cwd=tmp_path).name == "tiny"


def test_overrides_deep_merge_into_their_section(tmp_path: Path) -> None:
    env = {
        TRAIN_OVERRIDES_ENV: json.dumps({"runtime": {"max_iters": 7}, "optim": {"beta2": 0.95}}),
        SAMPLE_OVERRIDES_ENV: json.dumps({"top_k": 5}),
    }
    config = load_experiment(env=env, cwd=tmp_path)
    assert config.train.runtime.max_iters == 7
    assert config.train.runtime.eval_interval == 250  # siblings survive the merge
    assert config.train.optim.beta2 == 0.95
    assert config.sample.top_k == 5


def test_integers_are_accepted_for_floats(tmp_path: Path) -> None:
    env = {TRAIN_OVERRIDES_ENV: json.dumps({"optim": {"learning_rate": 1}})}
    config = load_experiment(env=env, cwd=tmp_path)
    assert config.train.optim.learning_rate == 1.0
    assert isinstance(config.train.optim.learning_rate, float)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"runtime": {"max_iters": 0}},
            f"{TRAIN_OVERRIDES_ENV}: train.runtime.max_iters: expected a value >= 1, got 0",
        ),
        (
            {"runtime": {"max_iter": 5}},
            f"{TRAIN_OVERRIDES_ENV}: train.runtime.max_iter: unknown key; expected one of: ",
        ),
        (
            {"runtime": {"device": "tpu"}},
            f"{TRAIN_OVERRIDES_ENV}: train.runtime.device: expected one of 'auto', 'cpu',"
            " 'cuda', 'mps', got 'tpu'",
        ),
        (
            {"model": {"bias": "no"}},
            f"{TRAIN_OVERRIDES_ENV}: train.model.bias: expected a boolean (true or false),"
            " got 'no'",
        ),
        (
            {"model": {"n_layer": 2.5}},
            f"{TRAIN_OVERRIDES_ENV}: train.model.n_layer: expected an integer, got 2.5",
        ),
        (
            {"model": {"n_layer": True}},
            f"{TRAIN_OVERRIDES_ENV}: train.model.n_layer: expected an integer, got True",
        ),
        (
            {"optim": {"beta1": 1.0}},
            f"{TRAIN_OVERRIDES_ENV}: train.optim.beta1: expected a value >= 0 and < 1, got 1.0",
        ),
        (
            {"runtime": 3},
            f"{TRAIN_OVERRIDES_ENV}: train.runtime: expected a table, got 3",
        ),
        (
            {"model": {"block_size": 32}},
            f"{TRAIN_OVERRIDES_ENV}: train.data.block_size: expected at most"
            " train.model.block_size (32), got 64",
        ),
        (
            {"schedule": {"min_lr": 0.01}},
            f"{TRAIN_OVERRIDES_ENV}: train.schedule.min_lr: expected at most"
            " train.optim.learning_rate (0.001), got 0.01",
        ),
        (
            {"schedule": {"warmup_iters": 3000}},
            f"{TRAIN_OVERRIDES_ENV}: train.schedule.warmup_iters: expected at most"
            " train.schedule.lr_decay_iters (2000), got 3000",
        ),
        (
            {"model": {"n_embd": 130}},
            f"{TRAIN_OVERRIDES_ENV}: train.model.n_embd: expected a multiple of"
            " train.model.n_head (4), got 130",
        ),
    ],
)
def test_invalid_overrides_are_errors_naming_source_key_and_expectation(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_experiment(env={TRAIN_OVERRIDES_ENV: json.dumps(overrides)}, cwd=tmp_path)
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "expected a JSON object, got invalid JSON"),
        ("[1, 2]", "expected a JSON object, got '[1, 2]'"),
    ],
)
def test_malformed_override_json_is_an_error(tmp_path: Path, raw: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_experiment(env={SAMPLE_OVERRIDES_ENV: raw}, cwd=tmp_path)
    assert str(caught.value).startswith(f"{SAMPLE_OVERRIDES_ENV}: {expected}")


def test_error_names_the_file_that_declared_the_bad_value(tmp_path: Path) -> None:
    exp = write(tmp_path / "bad.toml", "[train.optim]\nlearning_rate = -1.0\n")
    with pytest.raises(ConfigError) as caught:
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    assert str(caught.value) == (
        f"{exp}: train.optim.learning_rate: expected a value > 0, got -1.0"
    )


def test_unknown_section_and_bad_toml_are_reported(tmp_path: Path) -> None:
    exp = write(tmp_path / "a.toml", "[trian]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"a\.toml: trian: unknown section"):
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    broken = write(tmp_path / "b.toml", "[train\n")
    with pytest.raises(ConfigError, match=r"b\.toml: invalid TOML \(.*line 1"):
        load_experiment(exp_config=broken, env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"missing\.toml: file not found"):
        load_experiment(exp_config=tmp_path / "missing.toml", env={}, cwd=tmp_path)


def test_text_dataset_needs_a_path(tmp_path: Path) -> None:
    exp = write(tmp_path / "t.toml", '[prepare]\ndataset = "text"\n')
    with pytest.raises(ConfigError, match=r"t\.toml: prepare\.raw_text_path: expected a path"):
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)


def test_unknown_experiment_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown experiment 'nope'; expected one of: "):
        load_experiment("nope", env={}, cwd=tmp_path)


def test_configs_are_frozen(tmp_path: Path) -> None:
    config = load_experiment(env={}, cwd=tmp_path)
    with pytest.raises(AttributeError):
        config.train.runtime.max_iters = 3  # type: ignore[misc]


def test_default_config_is_the_packaged_file() -> None:
    assert DEFAULT_CONFIG.name == "default_config.toml"
    assert DEFAULT_CONFIG.is_file()


def test_a_file_that_is_not_utf8_names_the_offset_of_the_bad_byte(tmp_path: Path) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_bytes(b"[sample]\nstart = '\xff'\n")
    with pytest.raises(ConfigError) as raised:
        load_experiment(exp_config=exp, env={}, cwd=tmp_path)
    assert (raised.value.source, raised.value.key_path) == (str(exp), "")
    assert raised.value.expected == "expected UTF-8 text, got an invalid byte at offset 18"


@pytest.mark.parametrize("name", ["stdlib_char/", "./stdlib_char", "STDLIB_CHAR"])
def test_an_experiment_name_must_be_exactly_a_packaged_one(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match=r"^unknown experiment "):
        load_experiment(name, env={}, cwd=tmp_path)


def model_sized(tmp_path: Path, block_size: int, source: str = "file") -> Path:
    """n_layer 833, n_embd 1000: 9,996,000,000 block weights plus block_size * 1000."""
    text = "[train.model]\nn_layer = 833\nn_embd = 1000\n"
    if source == "file":
        text += f"block_size = {block_size}\n"
    return write(tmp_path / "exp.toml", text)


def test_a_model_of_exactly_the_parameter_limit_is_accepted(tmp_path: Path) -> None:
    config = load_experiment(exp_config=model_sized(tmp_path, 4000), env={}, cwd=tmp_path)
    assert config.train.model.block_size == 4000


def test_a_model_above_the_parameter_limit_blames_the_last_source_of_its_sizes(
    tmp_path: Path,
) -> None:
    exp = model_sized(tmp_path, 4000, source="none")
    env = {TRAIN_OVERRIDES_ENV: json.dumps({"model": {"block_size": 4001}})}
    with pytest.raises(ConfigError) as raised:
        load_experiment(exp_config=exp, env=env, cwd=tmp_path)
    assert (raised.value.source, raised.value.key_path) == (TRAIN_OVERRIDES_ENV, "train.model")
    assert raised.value.expected == (
        "expected at most 1e+10 parameters (12 * n_layer * n_embd**2 + block_size * n_embd),"
        " got 1.00e+10"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("train.optim.learning_rate=3e-4", {"train": {"optim": {"learning_rate": 3e-4}}}),
        ("train.runtime.max_iters=20", {"train": {"runtime": {"max_iters": 20}}}),
        ("train.runtime.compile=true", {"train": {"runtime": {"compile": True}}}),
        ("train.runtime.device=cpu", {"train": {"runtime": {"device": "cpu"}}}),
        ('sample.start="a = b"', {"sample": {"start": "a = b"}}),
        ("sample.start=a = b", {"sample": {"start": "a = b"}}),
        ("sample.start=", {"sample": {"start": ""}}),
        (" x . y =[1, 2]", {"x": {"y": [1, 2]}}),
        ("x=1\ny = 2", {"x": "1\ny = 2"}),
    ],
)
def test_an_assignment_is_a_nested_table_of_its_toml_value(
    text: str, expected: dict[str, object]
) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["train.optim", "=3", "train..x=1", "train. =1"])
def test_an_assignment_without_a_dotted_key_is_an_error(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_assignment(text)
    assert str(raised.value) == f"--set: expected KEY=VALUE with a dotted KEY, got {text!r}"
    assert raised.value.exit_code == 2


def test_layers_apply_in_order_defaults_experiment_file_env_set(tmp_path: Path) -> None:
    """Each layer sets one key of its own and overrides one key of the layer below."""
    own = write(
        tmp_path / "own.toml",
        "[train.runtime]\nmax_iters = 30\neval_interval = 5\n[sample]\ntop_k = 3\n",
    )
    env = {TRAIN_OVERRIDES_ENV: json.dumps({"runtime": {"eval_interval": 6, "eval_iters": 7}})}
    sets = ["train.runtime.eval_iters=8", "sample.top_k=9", "sample.top_k=10"]
    config = load_experiment("stdlib_char", own, env=env, cwd=tmp_path, assignments=sets)
    runtime = config.train.runtime
    assert config.name == "stdlib_char"
    assert config.source == own
    assert config.train.optim.learning_rate == 1e-3  # defaults
    assert runtime.out_dir == tmp_path / "out" / "stdlib_char"  # experiment file
    assert runtime.max_iters == 30  # --exp-config over the experiment file's 2000
    assert runtime.eval_interval == 6  # environment over --exp-config
    assert runtime.eval_iters == 8  # --set over the environment
    assert config.sample.top_k == 10  # the last --set wins


def test_exp_config_alone_replaces_the_packaged_experiment(tmp_path: Path) -> None:
    own = write(tmp_path / "own.toml", "")
    config = load_experiment(exp_config=own, env={}, cwd=tmp_path)
    assert (config.name, config.train.runtime.max_iters) == ("own", 500)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "train.optim.lr=3e-4",
            "--set: train.optim.lr: unknown key; expected one of: beta1, beta2,",
        ),
        ("train.runtime.max_iters=ten", "--set: train.runtime.max_iters: expected an integer"),
        ("train.runtime.max_iters=0", "--set: train.runtime.max_iters: expected a value >= 1"),
        ("train.model=3", "--set: train.model: expected a table, got 3"),
        ("tarin.x=1", "--set: tarin: unknown section"),
        ("sample.top_k=1\nx = 2", "--set: sample.top_k: expected an integer, got '1\\nx = 2'"),
    ],
)
def test_a_bad_assignment_names_the_option_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_experiment(env={}, cwd=tmp_path, assignments=[text])
    assert str(raised.value).startswith(message)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        (
            ["prepare.vocab_size=65537"],
            "--set: prepare.vocab_size: expected a value >= 1 and <= 65536, got 65537",
        ),
        (
            ["prepare.tokenizer=bpe", "prepare.vocab_size=255"],
            "--set: prepare.vocab_size: expected at least 256 (one token per byte) when"
            ' prepare.tokenizer = "bpe", got 255',
        ),
        (
            ["prepare.tokenizer=gpt2"],
            "--set: prepare.tokenizer: expected one of 'char', 'word', 'bpe', got 'gpt2'",
        ),
    ],
)
def test_a_vocabulary_the_token_files_cannot_hold_is_refused(
    tmp_path: Path, assignments: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_experiment(env={}, cwd=tmp_path, assignments=assignments)
    assert str(raised.value) == message


def test_the_largest_vocabulary_and_the_smallest_bpe_one_are_accepted(tmp_path: Path) -> None:
    largest = load_experiment(env={}, cwd=tmp_path, assignments=["prepare.vocab_size=65536"])
    assert (largest.prepare.tokenizer, largest.prepare.vocab_size) == ("char", 65536)
    bpe = ["prepare.tokenizer=bpe", "prepare.vocab_size=256"]
    assert load_experiment(env={}, cwd=tmp_path, assignments=bpe).prepare.vocab_size == 256
