"""The controls a nanoGPT user reaches for, as a user runs them: --set, checkpoint choice,
the startup summary and the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import RunCli, cli_env

pytestmark = pytest.mark.e2e


def test_set_overrides_win_over_the_file_and_the_environment(
    run_cli: RunCli, tiny_experiment: Path
) -> None:
    env = cli_env(ML_PLAYGROUND_TRAIN_OVERRIDES=json.dumps({"runtime": {"max_iters": 5}}))
    result = run_cli(
        "loop",
        "--exp-config",
        str(tiny_experiment),
        "--set",
        "train.runtime.max_iters=4",
        "--set",
        "sample.max_new_tokens=7",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "trained to iteration 4," in result.stderr
    summary = next(line for line in result.stderr.splitlines() if line.startswith("device "))
    checkpoints = tiny_experiment.parent / "run" / "checkpoints"
    assert re.fullmatch(
        r"device cpu \(float32\), [\d,]+ parameters, 64 tokens per iteration,"
        rf" data [\d,]+ train \+ [\d,]+ val tokens, checkpoints in {re.escape(str(checkpoints))}",
        summary,
    )
    assert result.stdout == result.stdout.split("\n")[0] + "\n" + "-" * 40 + "\n"
    assert len(result.stdout.split("\n")[0]) <= len("def ") + 7


@pytest.mark.parametrize(
    ("command", "assignment", "expected"),
    [
        (
            "train",
            "train.optim.lr=3e-4",
            "--set: train.optim.lr: unknown key; expected one of: beta1, beta2, grad_clip,"
            " learning_rate, weight_decay",
        ),
        (
            "loop",
            "train.runtime.max_iters=3.5",
            "--set: train.runtime.max_iters: expected an integer, got 3.5",
        ),
        (
            "prepare",
            "prepare.val_fraction=half",
            "--set: prepare.val_fraction: expected a number, got 'half'",
        ),
        ("sample", "sample.top_p=true", "--set: sample.top_p: expected a number, got True"),
    ],
)
def test_a_bad_override_exits_2_naming_the_key(
    run_cli: RunCli, tiny_experiment: Path, command: str, assignment: str, expected: str
) -> None:
    result = run_cli(command, "--exp-config", str(tiny_experiment), "--set", assignment)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"ml-playground: error: {expected}\n"


def test_eval_only_and_from_choose_the_checkpoint(run_cli: RunCli, tiny_experiment: Path) -> None:
    exp = ["--exp-config", str(tiny_experiment)]
    assert run_cli("loop", *exp).returncode == 0
    checkpoints = tiny_experiment.parent / "run" / "checkpoints"
    earlier = checkpoints / "last_00000003.pt"

    evaluated = run_cli("train", *exp, "--eval-only", "--from", str(earlier))
    assert (evaluated.returncode, evaluated.stderr) == (0, "")
    assert evaluated.stdout.startswith(f"{earlier} (iteration 3): train loss ")
    metrics = (tiny_experiment.parent / "run" / "metrics.jsonl").read_text(encoding="utf-8")
    recorded = next(
        json.loads(line) for line in metrics.splitlines() if '"eval", "iter": 3' in line
    )
    assert evaluated.stdout.endswith(f", val loss {recorded['val_loss']:.4f}\n")

    sampled = run_cli("sample", *exp, "--from", "last")
    assert sampled.returncode == 0
    assert sampled.stdout.startswith("def ")

    resumed = run_cli("train", *exp, "--from", str(earlier))
    assert resumed.returncode == 0, resumed.stderr
    assert "the later checkpoints were moved to " in resumed.stderr
    assert "trained to iteration 6" in resumed.stderr
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "best_00000006.pt",
        "last_00000003.pt",
        "last_00000006.pt",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fresh", "--from", "best"], "--fresh starts over: it cannot be combined with"),
        (["--from", "nowhere.pt"], "--from nowhere.pt: expected best, last or the path of"),
    ],
)
def test_a_bad_checkpoint_choice_exits_2(
    run_cli: RunCli, tiny_experiment: Path, args: list[str], expected: str
) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment)).returncode == 0
    result = run_cli("train", "--exp-config", str(tiny_experiment), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ml-playground: error: {expected}")
    assert result.stderr.count("\n") == 1


def test_stdlib_bpe_loops_and_samples_from_its_checkpoint_alone(
    run_cli: RunCli, tmp_path: Path
) -> None:
    tiny = [
        "prepare.max_corpus_bytes=60000",
        "prepare.vocab_size=300",
        "train.model.n_layer=1",
        "train.model.n_embd=16",
        "train.model.n_head=2",
        "train.runtime.max_iters=2",
        "train.runtime.eval_iters=1",
        "sample.max_new_tokens=10",
        "sample.num_samples=1",
    ]
    sets = [arg for assignment in tiny for arg in ("--set", assignment)]
    looped = run_cli("loop", "stdlib_bpe", *sets)
    assert looped.returncode == 0, looped.stderr
    assert "prepared stdlib_char in " in looped.stderr
    assert ": vocabulary 300, " in looped.stderr
    data = tmp_path / "out" / "stdlib_bpe" / "data"
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    assert meta["tokenizer"]["kind"] == "bpe"
    (data / "meta.json").rename(tmp_path / "meta.json")

    sampled = run_cli("sample", "stdlib_bpe", *sets)
    assert (sampled.returncode, sampled.stderr) == (0, "")
    assert sampled.stdout == looped.stdout
    assert sampled.stdout.startswith("def ")


def test_report_draws_the_run_and_prints_its_evaluations(
    run_cli: RunCli, tiny_experiment: Path
) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    exp = ["--exp-config", str(tiny_experiment)]
    missing = run_cli("report", *exp)
    run_dir = tiny_experiment.parent / "run"
    assert (missing.returncode, missing.stderr) == (
        1,
        f"ml-playground: error: {run_dir / 'metrics.jsonl'} not found: run `ml-playground"
        " train` first\n",
    )
    assert run_cli("loop", *exp).returncode == 0

    report = run_cli("report", *exp)

    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0].split() == ["iter", "train", "loss", "val", "loss", "lr"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "6"]
    png = (run_dir / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (800, 450)
    assert report.stderr.startswith(f"wrote {run_dir / 'report.png'} (800x450 pixels: ")
    by_dir = run_cli("report", "--run-dir", str(run_dir))
    assert (by_dir.returncode, by_dir.stdout) == (0, report.stdout)
    both = run_cli("report", "stdlib_char", "--run-dir", str(run_dir))
    assert (both.returncode, both.stderr) == (
        2,
        "ml-playground: error: --run-dir names the run: give no EXPERIMENT, --exp-config or"
        " --set\n",
    )


def test_word_tokens_loop_and_a_vocabulary_beyond_uint16_is_refused(
    run_cli: RunCli, tiny_experiment: Path
) -> None:
    exp = ["--exp-config", str(tiny_experiment), "--set", "prepare.tokenizer=word"]
    looped = run_cli("loop", *exp, "--set", "prepare.vocab_size=30")
    assert looped.returncode == 0, looped.stderr
    assert looped.stdout.startswith("def ")
    meta = json.loads((tiny_experiment.parent / "data" / "meta.json").read_text("utf-8"))
    assert meta["tokenizer"]["kind"] == "word"
    assert meta["tokenizer"]["vocab"][-2:] == ["def", "self"]  # the two most frequent words
    assert len(meta["tokenizer"]["vocab"]) == 30

    refused = run_cli("prepare", *exp, "--set", "prepare.vocab_size=65537")
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "ml-playground: error: --set: prepare.vocab_size: expected a value >= 1 and <= 65536,"
        " got 65537\n"
    )
