"""A run owns its directory: one writer at a time, nothing moved before a refusal, nothing left
behind by a killed write, and ``--eval-only`` writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression

CLI = [sys.executable, "-m", "ml_playground.cli"]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_refused_from_moves_nothing_aside(cli: RunCli, trained: Path) -> None:
    """What broke (issue 19): ``train --from`` a checkpoint of another ``n_embd`` said the run
    "was moved to previous/", then exited 2; the next ``train`` found no checkpoint and
    started again from iteration 0 without a word."""
    other = trained.parent / "other"
    wide = ("--set", "train.model.n_embd=32", "--set", f"train.runtime.out_dir={other}")
    assert cli("train", "--exp-config", str(trained), *wide)[0] == 0
    run_dir = trained.parent / "run"
    before = listing(run_dir)

    code, _, err = cli(
        "train",
        "--exp-config",
        str(trained),
        "--from",
        str(other / "checkpoints" / "last_00000006.pt"),
    )

    assert code == 2
    assert "moved" not in err
    assert "belongs to a different model (n_embd 32 != 16)" in err.splitlines()[-1]
    assert listing(run_dir) == before
    code, _, err = cli("train", "--exp-config", str(trained))
    assert code == 0, err
    assert "already trained to iteration 6" in err


def test_another_model_and_another_tokenizer_exit_with_the_same_code(
    cli: RunCli, trained: Path
) -> None:
    """What broke (issue 19): resuming as another model exited 1, on another tokenizer 2."""
    code, _, err = cli("train", "--exp-config", str(trained), "--set", "train.model.n_embd=32")

    assert code == 2
    assert "belongs to a different model" in err


def test_a_second_writer_is_refused_and_a_killed_ones_lock_is_taken_over(
    cli: RunCli, trained: Path
) -> None:
    """What broke (issue 19): two ``train`` processes on one ``out_dir`` both ran to exit 0,
    overwriting each other's checkpoints and interleaving ``metrics.jsonl``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_PLAYGROUND_")}
    first = subprocess.Popen(
        [*CLI, "train", "--exp-config", str(trained), "--set", "train.runtime.max_iters=100000000"],
        env={**env, "OMP_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert first.stderr is not None
        for line in first.stderr:  # the summary line comes once the lock is held
            if line.startswith("device "):
                break
        metrics = (trained.parent / "run" / "metrics.jsonl").read_bytes()

        code, _, err = cli("train", "--exp-config", str(trained))

        run_dir = trained.parent / "run"
        assert (code, err) == (
            1,
            f"ml-playground: error: {run_dir} is in use by another run (pid {first.pid}); wait"
            " for it to end, or choose another train.runtime.out_dir\n",
        )
        assert cli("train", "--fresh", "--exp-config", str(trained))[0] == 1
        assert not (run_dir / "previous").exists()
        assert (run_dir / "metrics.jsonl").read_bytes().startswith(metrics)
    finally:
        first.kill()
        first.wait()
        assert first.stderr is not None
        first.stderr.close()

    code, _, err = cli("train", "--fresh", "--exp-config", str(trained))
    assert code == 0, err


def test_temporary_files_of_a_killed_write_are_removed(cli: RunCli, trained: Path) -> None:
    """What broke (issue 19): SIGKILL during a checkpoint write left a full-size ``.tmp`` file
    that nothing ever removed."""
    run_dir = trained.parent / "run"
    leftovers = [
        run_dir / "checkpoints" / ".last_00000009.pt.k2j4.tmp",
        run_dir / ".metrics.jsonl.x7q1.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"\0" * 1000)

    code, _, err = cli("train", "--exp-config", str(trained), "--set", "train.runtime.max_iters=9")

    assert code == 0, err
    for path in leftovers:
        assert not path.exists()
        assert f"warning: removed {path}, left by a write that was killed" in err


def test_eval_only_renames_no_unreadable_checkpoint(cli: RunCli, trained: Path) -> None:
    """What broke (issue 19): ``--eval-only`` ("writes nothing") renamed a corrupt checkpoint
    to ``.unreadable``."""
    run_dir = trained.parent / "run"
    (run_dir / "checkpoints" / "last_00000006.pt").write_bytes(b"damaged")
    before = listing(run_dir)

    code, out, err = cli("train", "--eval-only", "--exp-config", str(trained))

    assert code == 0, err
    assert out.startswith(f"{run_dir / 'checkpoints' / 'best_00000006.pt'} (iteration 6)")
    assert listing(run_dir) == before
