"""The tokenizer comparison runs end to end and converts loss to bits per byte."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tools.benchmarks.bench_tokenizers import Result, main

pytestmark = pytest.mark.integration


def test_bits_per_byte_are_nats_per_token_in_bits_times_tokens_per_byte() -> None:
    result = Result("x", 300, 10, val_loss=math.log(2) * 3, tokens_per_byte=0.25)
    assert result.bits_per_byte == pytest.approx(0.75)


def test_results_are_values_that_hash_alike_when_equal() -> None:
    first = Result("x", 300, 10, val_loss=1.5, tokens_per_byte=0.25)
    assert {first, Result("x", 300, 10, val_loss=1.5, tokens_per_byte=0.25)} == {first}


def test_help_describes_the_benchmark_and_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "char against bpe on the stdlib corpus: same model, same wall-clock budget," in help_text
    assert "training budget of each (default: 240.0)" in help_text
    assert "evaluation batches of the last checkpoint (default: 100)" in help_text


def test_benchmark_prints_one_row_per_tokenizer_trained_one_step_past_a_spent_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = ["prepare.max_corpus_bytes=20000", "prepare.vocab_size=300", "train.model.n_layer=1"]
    args = ["--seconds", "0", "--eval-iters", "1", "--work-dir", str(tmp_path)]
    assert main([*args, *(a for s in tiny for a in ("--set", s))]) == 0
    header, char, bpe = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "bits/byte"
    assert char.split()[0] == "stdlib_char"
    assert char.split()[4] == "1.0000"  # one token per byte of ASCII text
    assert bpe.split()[:2] == ["stdlib_bpe", "300"]
    assert 0 < float(bpe.split()[4]) < 1
    for row in (char, bpe):
        assert row.split()[2] == "1"  # the budget is checked only after the first step
        loss, per_byte, bits = (float(v) for v in row.split()[3:])
        assert bits == pytest.approx(loss / math.log(2) * per_byte, abs=1e-3)
