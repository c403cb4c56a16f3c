"""The CLI as a user runs it: a subprocess in a temp directory, judged by exit code and output."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ml_playground.training.checkpointing.manager import read_checkpoint
from tests.e2e.conftest import CLI, RunCli, cli_env

pytestmark = pytest.mark.e2e


def test_loop_prepares_trains_and_prints_samples(run_cli: RunCli, tiny_experiment: Path) -> None:
    result = run_cli("loop", "--exp-config", str(tiny_experiment))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def ")
    assert result.stdout.rstrip().endswith("-" * 40)
    assert "trained to iteration 6" in result.stderr
    run_dir = tiny_experiment.parent / "run"
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [
        "best_00000006.pt",
        "last_00000003.pt",
        "last_00000006.pt",
    ]
    again = run_cli("loop", "--exp-config", str(tiny_experiment))
    assert again.returncode == 0
    assert "is current; skipping prepare" in again.stderr
    assert "already trained to iteration 6" in again.stderr
    assert again.stdout == result.stdout  # same seed, same checkpoint: same text


def test_bad_config_exits_2_with_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[train.runtime]\nread_policy = "newest"\n', encoding="utf-8")
    result = run_cli("train", "--exp-config", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        f"ml-playground: error: {config}: train.runtime.read_policy:"
        " expected one of 'best', 'latest', got 'newest'\n"
    )


def test_invalid_override_exits_2(run_cli: RunCli, tiny_experiment: Path) -> None:
    env = cli_env(ML_PLAYGROUND_SAMPLE_OVERRIDES=json.dumps({"temperature": 0}))
    result = run_cli("sample", "--exp-config", str(tiny_experiment), env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "ml-playground: error: ML_PLAYGROUND_SAMPLE_OVERRIDES: sample.temperature:"
        " expected a value > 0, got 0\n"
    )


def test_corrupt_checkpoint_is_named_and_the_previous_one_used(
    run_cli: RunCli, tiny_experiment: Path
) -> None:
    assert run_cli("loop", "--exp-config", str(tiny_experiment)).returncode == 0
    checkpoints = tiny_experiment.parent / "run" / "checkpoints"
    best = checkpoints / "best_00000006.pt"
    best.write_bytes(best.read_bytes()[:100])
    result = run_cli("sample", "--exp-config", str(tiny_experiment))
    assert result.returncode == 0
    assert f"warning: checkpoint {best} is truncated, corrupt or not a checkpoint" in result.stderr
    for leftover in checkpoints.iterdir():
        leftover.write_bytes(b"not a checkpoint")
    broken = run_cli("sample", "--exp-config", str(tiny_experiment))
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1].startswith("ml-playground: error: no readable checkpoint")


def test_ctrl_c_saves_a_checkpoint_exits_130_and_training_resumes(
    tmp_path: Path, tiny_experiment: Path
) -> None:
    config = tiny_experiment.read_text(encoding="utf-8").replace(
        "max_iters = 6", "max_iters = 100000"
    )
    tiny_experiment.write_text(config, encoding="utf-8")
    command = [*CLI, "loop", "--exp-config", str(tiny_experiment)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=cli_env(), stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("iter 5/"):
                process.send_signal(signal.SIGINT)
                break
        rest = process.stderr.read()
        code = process.wait(timeout=120)
    assert code == 130
    assert "stopping after this iteration" in rest
    saved = sorted((tiny_experiment.parent / "run" / "checkpoints").glob("last_*.pt"))
    stopped_at = int(saved[-1].stem.split("_")[1])
    assert stopped_at >= 5
    assert f"interrupted at iteration {stopped_at}" in rest

    env = cli_env(
        ML_PLAYGROUND_TRAIN_OVERRIDES=json.dumps({"runtime": {"max_iters": stopped_at + 2}})
    )
    resumed = subprocess.run(
        [*CLI, "train", "--exp-config", str(tiny_experiment)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"at iteration {stopped_at}" in resumed.stderr
    assert f"trained to iteration {stopped_at + 2}" in resumed.stderr


@pytest.mark.slow
def test_torchrun_trains_with_two_cpu_processes(tmp_path: Path, tiny_experiment: Path) -> None:
    prepare = subprocess.run(
        [*CLI, "prepare", "--exp-config", str(tiny_experiment)],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert prepare.returncode == 0, prepare.stderr
    torchrun = Path(sys.executable).with_name("torchrun")

    def train_on_two_processes(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(torchrun),
                "--standalone",
                "--nproc_per_node=2",
                "-m",
                "ml_playground.cli",
                "train",
                "--exp-config",
                str(tiny_experiment),
            ],
            cwd=tmp_path,
            env={**cli_env(), **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    result = train_on_two_processes()
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("trained to iteration 6") == 1  # rank 0 only
    metrics = (tiny_experiment.parent / "run" / "metrics.jsonl").read_text(encoding="utf-8")
    evals = [json.loads(line) for line in metrics.splitlines() if '"eval"' in line]
    assert [record["iter"] for record in evals] == [3, 6]
    assert (tiny_experiment.parent / "run" / "checkpoints" / "last_00000006.pt").is_file()

    # Both ranks resume from the same checkpoint; rank 0 alone says so.
    resumed = train_on_two_processes(ML_PLAYGROUND_TRAIN_OVERRIDES='{"runtime": {"max_iters": 9}}')
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("at iteration 6") == 1
    assert resumed.stderr.count("trained to iteration 9") == 1
    assert (tiny_experiment.parent / "run" / "checkpoints" / "last_00000009.pt").is_file()


def weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    return read_checkpoint(checkpoint)["model"]


def test_sigterm_then_train_ends_bit_identical_to_an_uninterrupted_run(
    tmp_path: Path, tiny_experiment: Path
) -> None:
    """A scheduler preempts the job with SIGTERM; the resubmitted ``train`` finishes the run
    exactly as if it had never stopped."""
    run_dir = tiny_experiment.parent / "run"

    def train(max_iters: int, out_dir: Path) -> subprocess.Popen[str]:
        overrides = {"runtime": {"max_iters": max_iters, "out_dir": str(out_dir)}}
        return subprocess.Popen(
            [*CLI, "train", "--exp-config", str(tiny_experiment)],
            cwd=tmp_path,
            env=cli_env(ML_PLAYGROUND_TRAIN_OVERRIDES=json.dumps(overrides)),
            stderr=subprocess.PIPE,
            text=True,
        )

    prepare = subprocess.run(
        [*CLI, "prepare", "--exp-config", str(tiny_experiment)],
        cwd=tmp_path,
        env=cli_env(),
        check=False,
    )
    assert prepare.returncode == 0
    with train(100000, run_dir) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("iter 5/"):
                process.send_signal(signal.SIGTERM)
                break
        rest = process.stderr.read()
        assert process.wait(timeout=120) == 143
    assert "SIGTERM: stopping after this iteration" in rest
    stopped_at = int(max(run_dir.glob("checkpoints/last_*.pt")).stem.split("_")[1])
    assert stopped_at >= 5
    target = stopped_at + 4

    for out_dir in (run_dir, tmp_path / "straight"):
        with train(target, out_dir) as process:
            assert process.stderr is not None
            assert process.wait(timeout=120) == 0, process.stderr.read()

    final = f"checkpoints/last_{target:08d}.pt"
    resumed, straight = weights(run_dir / final), weights(tmp_path / "straight" / final)
    assert resumed.keys() == straight.keys()
    for name, tensor in straight.items():
        assert torch.equal(resumed[name], tensor), name
    metrics = (run_dir / "metrics.jsonl").read_bytes()
    assert metrics == (tmp_path / "straight" / "metrics.jsonl").read_bytes()


def test_sample_stdlib_char_prints_text_with_the_data_folder_deleted(
    run_cli: RunCli, tmp_path: Path
) -> None:
    tiny = {
        "model": {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16},
        "data": {"block_size": 16, "batch_size": 2},
        "runtime": {"max_iters": 2, "eval_interval": 2, "eval_iters": 1, "device": "cpu"},
        "schedule": {"warmup_iters": 1, "lr_decay_iters": 2},
    }
    env = cli_env(
        ML_PLAYGROUND_TRAIN_OVERRIDES=json.dumps(tiny),
        ML_PLAYGROUND_SAMPLE_OVERRIDES=json.dumps({"max_new_tokens": 20, "num_samples": 1}),
    )
    assert run_cli("prepare", "stdlib_char", env=env).returncode == 0
    trained = run_cli("train", "stdlib_char", env=env)
    assert trained.returncode == 0, trained.stderr
    shutil.rmtree(tmp_path / "out" / "stdlib_char" / "data")

    sampled = run_cli("sample", "stdlib_char", env=env)

    assert (sampled.returncode, sampled.stderr) == (0, "")
    text = sampled.stdout.removesuffix("\n" + "-" * 40 + "\n")
    assert text.startswith("def ")
    assert len(text) == len("def ") + 20
