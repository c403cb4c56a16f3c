"""Values that validation once let through, each now one line with a documented exit code (or
simply handled): huge integers, odd URLs, sizes beyond memory, long iteration numbers, a small
word vocabulary, a byte-order mark (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ml_playground.configuration.loader import TRAIN_OVERRIDES_ENV, load_experiment
from ml_playground.training.checkpointing.manager import CheckpointManager
from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression

HUGE = "9" * 5000
DIGITS_LIMIT = (
    "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"
)


def test_an_integer_of_more_than_4300_digits_is_one_line_from_every_source(
    cli: RunCli, tiny_experiment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What broke: ``ValueError: Exceeds the limit (4300 digits)`` traceback from ``--set``, a
    TOML file and the JSON overrides."""
    config = str(tiny_experiment)
    assert cli("prepare", "--exp-config", config, "--set", f"train.runtime.seed={HUGE}") == (
        2,
        "",
        f"ml-playground: error: --set: train.runtime.seed: cannot read the value"
        f" ({DIGITS_LIMIT})\n",
    )
    huge_file = tiny_experiment.parent / "huge.toml"
    huge_file.write_text(f"[train.runtime]\nseed = {HUGE}\n", encoding="utf-8")
    assert cli("prepare", "--exp-config", str(huge_file)) == (
        2,
        "",
        f"ml-playground: error: {huge_file}: invalid TOML ({DIGITS_LIMIT})\n",
    )
    monkeypatch.setenv(TRAIN_OVERRIDES_ENV, f'{{"runtime": {{"seed": {HUGE}}}}}')
    assert cli("prepare", "--exp-config", config) == (
        2,
        "",
        f"ml-playground: error: {TRAIN_OVERRIDES_ENV}: expected a JSON object, got invalid JSON"
        f" ({DIGITS_LIMIT})\n",
    )


def test_an_unclosed_ipv6_url_is_one_line(cli: RunCli, tiny_experiment: Path) -> None:
    """What broke: ``prepare.download.url = "http://[::1"`` gave a ``ValueError: Invalid IPv6
    URL`` traceback."""
    code, _, err = cli(
        "prepare",
        "--exp-config",
        str(tiny_experiment),
        "--set",
        'prepare.dataset="shakespeare_char"',
        "--set",
        'prepare.raw_text_path=""',
        "--set",
        'prepare.download.url="http://[::1"',
        "--set",
        f'prepare.download.sha256="{"a" * 64}"',
    )

    assert (code, err) == (
        2,
        "ml-playground: error: prepare.download.url: expected an http(s) URL, got 'http://[::1'"
        " (Invalid IPv6 URL)\n",
    )


def test_a_batch_beyond_memory_is_refused_before_allocating(cli: RunCli, trained: Path) -> None:
    """What broke: ``batch_size = 10**12`` passed validation, then the allocator failed with a
    traceback (or the kernel's OOM killer ended the run)."""
    code, _, err = cli(
        "train",
        "--fresh",
        "--exp-config",
        str(trained),
        "--set",
        f"train.data.batch_size={10**12}",
    )

    assert code == 2
    assert err.startswith("ml-playground: error: train.model, train.data: the run needs at least")
    assert err.count("\n") == 1
    assert not (trained.parent / "run" / "previous").exists()


def test_checkpoints_past_iteration_99_999_999_stay_visible(tmp_path: Path) -> None:
    """What broke: from iteration 100,000,000 on, names have 9 digits and were invisible to
    resume and rotation."""
    manager = CheckpointManager(tmp_path, keep_last=1, keep_best=1, warn=lambda _: None)
    for iteration in (99_999_999, 100_000_000):
        manager.save({"model": {}}, iteration, best=False)

    assert [f.iteration for f in manager.files("last")] == [100_000_000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last_100000000.pt"]


def test_a_word_vocabulary_below_the_characters_is_refused(
    cli: RunCli, tiny_experiment: Path
) -> None:
    """What broke: the word tokenizer silently made more tokens than ``vocab_size`` asked."""
    code, _, err = cli(
        "prepare",
        "--exp-config",
        str(tiny_experiment),
        "--set",
        'prepare.tokenizer="word"',
        "--set",
        "prepare.vocab_size=5",
    )

    assert code == 2
    assert re.fullmatch(
        r"ml-playground: error: prepare.vocab_size: expected at least \d+ \(the corpus's distinct"
        r" characters, each a token of the word tokenizer\), got 5\n",
        err,
    )


def test_a_toml_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """What broke: a UTF-8 byte-order mark gave ``Invalid statement (at line 1, column 1)``."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b"[train.runtime]\nmax_iters = 7\n")

    config = load_experiment(None, path, env={}, cwd=tmp_path)

    assert config.train.runtime.max_iters == 7
    assert config.name == "bom"
