"""Shared test setup: the Hypothesis profiles and a tiny, fast experiment on a temp text file."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

REPO_ROOT = Path(__file__).resolve().parent.parent

# A shell starts a background job with SIGINT ignored, and every process it starts inherits
# that: the tests that interrupt a child with SIGINT would wait forever. Tests run with
# Python's own handling, which their children get too.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Hypothesis forbids a database with derandomize: "ci" (the default, used by every gate) is
# derandomized and so identical on every run; "dev" explores new examples and remembers failures.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev",
    deadline=None,
    database=DirectoryBasedExampleDatabase(REPO_ROOT / ".cache" / "hypothesis"),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TINY_CORPUS = (
    "def add(a, b):\n    return a + b\n\n"
    "def sub(a, b):\n    return a - b\n\n"
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\n"
) * 40


def tiny_config_text(corpus: Path, *, max_iters: int = 6, extra: str = "") -> str:
    """A TOML experiment small enough to train in about a second on one CPU core."""
    return f"""
[prepare]
dataset = "text"
raw_text_path = "{corpus.as_posix()}"
data_dir = "data"

[train.model]
n_layer = 1
n_head = 2
n_embd = 16
block_size = 16
dropout = 0.0

[train.data]
block_size = 16
batch_size = 4

[train.schedule]
warmup_iters = 2
lr_decay_iters = 20
min_lr = 1e-4

[train.runtime]
out_dir = "run"
max_iters = {max_iters}
eval_interval = 3
eval_iters = 2
log_interval = 1
device = "cpu"

[sample]
start = "def "
num_samples = 1
max_new_tokens = 20
{extra}
"""


@pytest.fixture
def tiny_experiment(tmp_path: Path) -> Path:
    """Path of a tiny experiment config.toml (with its corpus) in a fresh temp directory."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TINY_CORPUS, encoding="utf-8")
    config = tmp_path / "exp" / "config.toml"
    config.parent.mkdir()
    config.write_text(tiny_config_text(corpus), encoding="utf-8")
    return config
