"""Resuming uses the newest readable checkpoint, says which, and never silently starts over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.regression.conftest import RunCli

pytestmark = pytest.mark.regression


def iterations(run_dir: Path) -> list[int]:
    lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["iter"] for line in lines]


def test_with_every_last_checkpoint_unreadable_the_best_one_is_resumed(
    cli: RunCli, trained: Path
) -> None:
    """What broke (issue 13): with every ``last_*`` checkpoint unreadable but ``best_*``
    valid, ``train`` warned, then started again at iteration 0 without saying so,
    ``metrics.jsonl`` lost everything after iteration 0, and the unreadable files stayed."""
    checkpoints = trained.parent / "run" / "checkpoints"
    for path in checkpoints.glob("last_*.pt"):
        path.write_bytes(b"damaged")

    code, _, err = cli("train", "--exp-config", str(trained))

    best = checkpoints / "best_00000006.pt"
    assert code == 0, err
    assert f"resuming from {best} at iteration 6" in err
    assert "already trained to iteration 6" in err
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "best_00000006.pt",
        "last_00000003.pt",  # never reached: the best one at 6 is newer
        "last_00000006.pt.unreadable",
    ]
    assert iterations(trained.parent / "run")[-1] == 6


def test_with_no_readable_checkpoint_train_refuses_unless_fresh(cli: RunCli, trained: Path) -> None:
    """The other half of the same defect: with nothing readable left, ``train`` must not
    quietly discard the run; ``--fresh`` starts over and keeps the old run aside."""
    run_dir = trained.parent / "run"
    checkpoints = run_dir / "checkpoints"
    for path in checkpoints.glob("*.pt"):
        path.write_bytes(b"damaged")
    history = (run_dir / "metrics.jsonl").read_bytes()

    code, out, err = cli("train", "--exp-config", str(trained))

    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        f"ml-playground: error: no readable checkpoint in {checkpoints} (unreadable:"
        " last_00000006.pt, best_00000006.pt, last_00000003.pt); `ml-playground train"
        " --fresh` starts over, moving the old run aside"
    )
    assert cli("train", "--exp-config", str(trained))[0] == 1  # no silent restart either

    code, _, err = cli("train", "--fresh", "--exp-config", str(trained))

    assert code == 0, err
    (previous,) = (run_dir / "previous").iterdir()
    assert err.startswith(f"starting over; the previous run was moved to {previous}\n")
    assert (previous / "metrics.jsonl").read_bytes() == history
    assert sorted(p.name for p in (previous / "checkpoints").iterdir()) == [
        "best_00000006.pt.unreadable",
        "last_00000003.pt.unreadable",
        "last_00000006.pt.unreadable",
    ]
    assert iterations(run_dir) == [1, 2, 3, 3, 4, 5, 6, 6]


def test_a_partial_last_metrics_line_is_dropped_with_a_warning(
    cli: RunCli, trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What broke (issue 13): one partial line in ``metrics.jsonl`` (what ``kill -9`` during
    an append leaves) made every later ``train`` die with a ``JSONDecodeError`` traceback."""
    metrics = trained.parent / "run" / "metrics.jsonl"
    intact = metrics.read_bytes()
    metrics.write_bytes(intact + b'{"kind": "train", "it')
    monkeypatch.setenv("ML_PLAYGROUND_TRAIN_OVERRIDES", '{"runtime": {"max_iters": 7}}')

    code, _, err = cli("train", "--exp-config", str(trained))

    assert code == 0, err
    assert (
        f"warning: {metrics}: dropping an incomplete last line (21 bytes), as a crash during a"
        " write leaves it\n"
    ) in err
    assert metrics.read_bytes().startswith(intact)
    assert iterations(trained.parent / "run")[-3:] == [6, 7, 7]
