"""A model-based test of one run directory: prepare (on either of two corpora), train, resume,
``--from``, ``--fresh``, SIGTERM and SIGKILL during training, and a second ``train`` while one
runs, in any order a Hypothesis state machine picks, on a tiny experiment.

After every step:

- no checkpoint that was readable before is lost (it stays in ``checkpoints/`` or was moved to
  ``previous/``; rotation is switched off);
- the run never silently restarts: a resumed run goes on from its newest checkpoint, and only
  ``--fresh`` or ``--from`` goes back;
- the model trained only on the data its run records: every checkpoint of the run carries the
  fingerprint of the corpus the run's data was prepared from, and ``metrics.jsonl`` holds one
  curve (each iteration once).

Training runs in process, interruptions in a real subprocess. ``RUN_MODEL_EXAMPLES`` raises the
number of examples for a long local run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ml_playground.cli import main
from ml_playground.configuration.loader import SAMPLE_OVERRIDES_ENV, TRAIN_OVERRIDES_ENV
from ml_playground.data_pipeline.dataset_files import read_meta
from ml_playground.training.checkpointing.contents import describe
from ml_playground.training.checkpointing.manager import checkpoint_file, read_checkpoint
from tests.conftest import TINY_CORPUS, tiny_config_text

pytestmark = pytest.mark.integration

CORPORA = {"a": TINY_CORPUS, "b": TINY_CORPUS.replace("Point", "Vector").replace("add", "mul")}
VARIANTS = st.sampled_from(sorted(CORPORA))
DEFAULT_EXAMPLES = 10
STEPS = 8
LONG = 10**6
"""max_iters of a run that only a signal ends."""


class RunModel(RuleBasedStateMachine):
    """One example: a fresh experiment folder, what the run should be, what was seen."""

    base: Path

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="example-", dir=self.base))
        self.corpus = {name: self.root / f"{name}.txt" for name in CORPORA}
        for name, text in CORPORA.items():
            self.corpus[name].write_text(text, encoding="utf-8")
        self.config = self.root / "exp" / "config.toml"
        self.config.parent.mkdir()
        self.config.write_text(tiny_config_text(self.corpus["a"]), encoding="utf-8")
        self.run_dir = self.root / "exp" / "run"
        self.prepared: str | None = None
        self.fingerprints: dict[str, str] = {}
        self.run_data: str | None = None
        """The corpus the run's checkpoints were trained on; None while it has none."""
        self.history = False
        self.progress = 0
        self.seen: set[str] = set()
        self.cache: dict[tuple[int, int, int], tuple[str, str | None] | None] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.root)

    def args(self, corpus: str, max_iters: int, *extra: str) -> list[str]:
        return [
            "--exp-config",
            str(self.config),
            "--set",
            f"prepare.raw_text_path={self.corpus[corpus]}",
            "--set",
            "train.runtime.keep_last=100000",
            "--set",
            "train.runtime.keep_best=100000",
            "--set",
            f"train.runtime.max_iters={max_iters}",
            *extra,
        ]

    def cli(self, *argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        return main(list(argv), stdout=out, stderr=err), err.getvalue()

    def checkpoints(self) -> list[Path]:
        folder = self.run_dir / "checkpoints"
        return sorted(folder.glob("*.pt")) if folder.is_dir() else []

    def newest(self, kind: str | None = None) -> int:
        files = [checkpoint_file(path) for path in self.checkpoints()]
        return max(
            (f.iteration for f in files if f is not None and kind in (None, f.kind)), default=0
        )

    def refusal(self, corpus: str, *, fresh: bool = False) -> int | None:
        """The exit code ``train`` must refuse with on ``corpus``; None when it must train."""
        if self.prepared is None:
            return 1  # no prepared data
        if self.prepared != corpus:
            return 2  # the data was prepared from the other corpus
        if fresh:
            return None
        if self.run_data not in (None, corpus):
            return 2  # the run's checkpoints were trained on other data
        if self.run_data is None and self.history:
            return 1  # metrics of a run whose checkpoints are gone: never silently restart
        return None

    def trained(self, corpus: str) -> None:
        self.history = True
        if self.checkpoints():
            self.run_data = corpus
        self.progress = self.newest()

    @initialize(corpus=VARIANTS)
    def prepare_first(self, corpus: str) -> None:
        self.prepare(corpus)

    @rule(corpus=VARIANTS)
    def prepare(self, corpus: str) -> None:
        code, err = self.cli("prepare", *self.args(corpus, 3))
        assert code == 0, err
        self.prepared = corpus
        self.fingerprints[corpus] = read_meta(self.root / "exp" / "data").fingerprint

    @rule(corpus=VARIANTS)
    def continue_training(self, corpus: str) -> None:
        """Named to sort first: Hypothesis orders rules by name, and a derandomized run of
        few examples favours the first ones."""
        expected, before = self.refusal(corpus), self.progress
        code, err = self.cli("train", *self.args(corpus, before + 3))
        assert code == (expected or 0), err
        if expected is None:
            self.trained(corpus)
            assert self.progress == before + 3, err
            assert not before or f"at iteration {before}" in err, err
            assert not list(self.run_dir.rglob(".*.tmp"))

    @rule(corpus=VARIANTS)
    def fresh(self, corpus: str) -> None:
        expected = self.refusal(corpus, fresh=True)
        code, err = self.cli("train", "--fresh", *self.args(corpus, 3))
        assert code == (expected or 0), err
        if expected is None:
            self.run_data = None
            self.trained(corpus)
            assert self.progress == 3

    @precondition(lambda self: self.run_data is not None and self.run_data == self.prepared)
    @rule(kind=st.sampled_from(["best", "last"]))
    def train_from(self, kind: str) -> None:
        chosen = self.newest(kind)
        assert self.run_data is not None
        code, err = self.cli("train", "--from", kind, *self.args(self.run_data, chosen + 3))
        if not chosen:  # only a signal's last checkpoint: no best one yet
            assert code == 1, err
            return
        assert code == 0, err
        self.trained(self.run_data)
        assert self.progress == chosen + 3

    @precondition(lambda self: self.prepared is not None)
    @rule(signum=st.sampled_from([signal.SIGTERM, signal.SIGKILL]))
    def interrupt(self, signum: int) -> None:
        """Train in a subprocess until its first evaluation, try a second ``train`` on the same
        run meanwhile (before SIGTERM), then signal it."""
        assert self.prepared is not None
        corpus = self.prepared
        if self.refusal(corpus) is not None:
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("ML_PLAYGROUND_")}
        command = [sys.executable, "-m", "ml_playground.cli", "train", *self.args(corpus, LONG)]
        child = subprocess.Popen(
            command,
            env={**env, "OMP_NUM_THREADS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stderr is not None
        for line in child.stderr:
            if line.startswith("iter ") and ": train loss" in line:
                break
        if signum == signal.SIGTERM:
            code, err = self.cli("train", *self.args(corpus, LONG))
            assert code == 1, err
            assert f"is in use by another run (pid {child.pid})" in err
        child.send_signal(signum)
        _, rest = child.communicate(timeout=120)
        assert child.returncode == (143 if signum == signal.SIGTERM else -signal.SIGKILL), rest
        self.trained(corpus)

    @invariant()
    def no_readable_checkpoint_is_lost(self) -> None:
        now = {read[0] for path in self.run_dir.rglob("*.pt") if (read := self.read(path))}
        assert self.seen <= now, f"lost: {sorted(self.seen - now)}"
        self.seen = now

    @invariant()
    def the_run_trained_on_its_data_only(self) -> None:
        data = {read[1] if (read := self.read(p)) else None for p in self.checkpoints()}
        if self.run_data is None:
            assert not data
        else:
            assert data == {self.fingerprints[self.run_data]}

    @invariant()
    def metrics_hold_one_curve(self) -> None:
        path = self.run_dir / "metrics.jsonl"
        lines = path.read_bytes().split(b"\n")[:-1] if path.exists() else []
        iters = [r["iter"] for r in map(json.loads, lines) if r["kind"] == "train"]
        assert iters == sorted(set(iters))
        assert not iters or self.history

    @invariant()
    def progress_matches_the_newest_checkpoint(self) -> None:
        assert self.newest() == self.progress

    def read(self, path: Path) -> tuple[str, str | None] | None:
        """The SHA-256 and data fingerprint of a readable checkpoint, None for an unreadable
        one; cached by inode, since checkpoint files are only ever renamed."""
        stat = path.stat()
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in self.cache:
            try:
                info = describe(read_checkpoint(path), path)
                self.cache[key] = (
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                    info.data_fingerprint,
                )
            except Exception:
                self.cache[key] = None
        return self.cache[key]


def test_a_run_directory_keeps_its_invariants(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    RunModel.base = tmp_path
    monkeypatch.delenv(TRAIN_OVERRIDES_ENV, raising=False)
    monkeypatch.delenv(SAMPLE_OVERRIDES_ENV, raising=False)
    examples = int(os.environ.get("RUN_MODEL_EXAMPLES", DEFAULT_EXAMPLES))
    run_state_machine_as_test(
        RunModel,
        settings=settings(settings.default, max_examples=examples, stateful_step_count=STEPS),
    )
