"""The whole run, for real: cosmic-ray, two HTTP workers and the gate, on a tiny repository.

The repository holds one five-line module and one test. Its mutants (after the operator
filter and the annotation rule) are known: on line 5 ``value < low`` becomes ``value >= low``
and ``not value < low`` (killed) and ``value <= low`` (survives: ``clamp(low, low)`` is ``low``
either way, an equivalent mutant); on line 7 ``high is not None`` and ``not high is None``
(killed). With a minimum score of 90 the gate fails (4 of 5 is 80%) and names the module and
the survivor; the module's file is unchanged after the run.

The other runs change the repository: a second target whose only mutants the operator filter
excludes, a test that fails without any mutation (the baseline fails the run), and a test that
waits until the test lets it go, so that Ctrl-C arrives while a target is being prepared.
"""

from __future__ import annotations

import importlib.util
import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tools.mutation.results import Outcome, mark_skipped, read_session
from tools.mutation.run import main

pytestmark = [
    pytest.mark.unit,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("cosmic_ray") is None,
        reason="cosmic-ray is not installed (the `mutation` dependency group)",
    ),
]

REPO_ROOT = Path(__file__).resolve().parents[3]

MODULE = """\
from __future__ import annotations


def clamp(value: int, low: int, high: int | None = None) -> int:
    if value < low:
        return low
    return value if high is None else min(value, high)
"""

TEST = """\
from pkg.calc import clamp


def test_clamp() -> None:
    assert clamp(5, 0) == 5
    assert clamp(-1, 0) == 0
    assert clamp(7, 0, 6) == 6
"""

PYPROJECT = """\
[tool.cosmic-ray]
module-path = ["pkg/calc.py"]
timeout = 30.0
excluded-modules = []
test-command = "python -m pytest -x -q -p no:cacheprovider -W error {tests}"

[tool.cosmic-ray.distributor]
name = "http"

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = [
    "core/ReplaceComparisonOperator_(?!(Lt_LtE|Lt_GtE|IsNot_Is|Is_IsNot)$)",
    "core/ReplaceBinaryOperator_(?!(BitOr_BitAnd)$)",
    "core/(NumberReplacer|ReplaceTrueWithFalse|ReplaceFalseWithTrue)",
]

[tool.ml_playground.mutation]
timeout-factor = 5.0
warm-up = ["pytest"]
test-env = { PYTHONHASHSEED = "0" }

[tool.ml_playground.mutation.tests]
"pkg/calc.py" = ["tests/test_calc.py"]

[tool.ml_playground.mutation.min-scores]
"pkg/calc.py" = 90.0
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pkg" / "calc.py").write_text(MODULE, encoding="utf-8")
    (repo / "tests" / "test_calc.py").write_text(TEST, encoding="utf-8")
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / ".gitignore").write_text(".cache/\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    return repo


@pytest.fixture(scope="module")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bytecode cache for the runs of this module: cosmic-ray is compiled once."""
    return tmp_path_factory.mktemp("pycache")


def run_tool(repo: Path, pycache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.mutation.run",
            *("--repo", str(repo), "--workers", "2", "--pycache", str(pycache)),
            *args,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_full_run_scores_the_module_and_the_gate_names_the_survivor(
    tiny_repo: Path, pycache: Path
) -> None:
    result = run_tool(tiny_repo, pycache)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "pkg/calc.py: mutation score 80.0% is below its minimum 90.0%" in result.stderr
    assert "pkg/calc.py:5:13 core/ReplaceComparisonOperator_Lt_LtE:" in result.stderr
    assert "`if value < low:` -> `if value <= low:`" in result.stderr
    summary = (tiny_repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    [row] = [line for line in summary.splitlines() if line.startswith("| `pkg/calc.py` |")]
    killed, timeout, survived, equivalent, incompetent, skipped = row.split(" | ")[1:7]
    assert (killed, timeout, survived, equivalent, incompetent) == ("4", "0", "1", "0", "0")
    assert f"- `pkg/calc.py`: {int(skipped) - 1} skipped (Filtered operator)" in summary
    assert "- `pkg/calc.py`: 1 skipped (annotation (never evaluated: from __future__" in summary
    assert "## Surviving mutants: `pkg/calc.py`\n\n- `pkg/calc.py:5:13` core/Replace" in summary
    # Mutants were only ever written into the workers' copies.
    assert (tiny_repo / "pkg" / "calc.py").read_text(encoding="utf-8") == MODULE
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tiny_repo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""

    session = tiny_repo / ".cache/mutation/sessions/pkg.calc.sqlite"
    outcomes = [m.outcome for m in read_session(session)]
    assert outcomes.count(Outcome.SURVIVED) == 1
    # Recording a skip never overwrites a result that is already there.
    assert mark_skipped(session, [m.job_id for m in read_session(session)], "late") == 0


def test_since_runs_only_the_changed_lines_and_skips_untouched_modules(
    tiny_repo: Path, pycache: Path
) -> None:
    unchanged = run_tool(tiny_repo, pycache, "--since", "HEAD")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "0 target(s) changed since HEAD" in unchanged.stdout

    module = tiny_repo / "pkg" / "calc.py"
    module.write_text(MODULE.replace("value if high is None", "value if None is high"))
    changed = run_tool(tiny_repo, pycache, "--since", "HEAD")

    assert changed.returncode == 0, changed.stdout + changed.stderr
    summary = (tiny_repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    # Line 7 alone: `None is not high` and `not None is high`, both killed by clamp(5, 0).
    assert "| `pkg/calc.py` | 2 | 0 | 0 | 0 | 0 |" in summary
    assert re.search(r"^- `pkg/calc\.py`: ([3-9]|\d\d+) skipped \(Filtered git\)$", summary, re.M)
    assert module.read_text(encoding="utf-8").count("None is high") == 1


def test_an_unknown_revision_is_a_usage_error(tiny_repo: Path, pycache: Path) -> None:
    result = run_tool(tiny_repo, pycache, "--since", "no-such-revision")
    assert result.returncode == 2
    assert "unknown revision 'no-such-revision'" in result.stderr


TWO_TARGETS = """\
[tool.cosmic-ray]
module-path = ["pkg/calc.py", "pkg/limits.py"]
timeout = 30.0
excluded-modules = []
test-command = "python -m pytest -x -q -p no:cacheprovider -W error {tests}"

[tool.cosmic-ray.distributor]
name = "http"

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = ["core/NumberReplacer"]

[tool.ml_playground.mutation]
timeout-factor = 5.0
test-env = { PYTHONHASHSEED = "0" }

[tool.ml_playground.mutation.tests]
"pkg/calc.py" = ["tests/test_calc.py"]
"pkg/limits.py" = ["tests/test_limits.py"]

[tool.ml_playground.mutation.min-scores]
"pkg/calc.py" = 90.0
"pkg/limits.py" = 90.0
"""

LIMITS = "LIMIT = 3\n"
"""Its only mutants (3 -> 2, 3 -> 4) are of an operator the filter excludes: nothing to run."""

TEST_LIMITS = """\
from pkg.limits import LIMIT


def test_limit() -> None:
    assert LIMIT == 3
"""


def two_target_repo(repo: Path, calc_test: str) -> Path:
    """``tiny_repo`` with a second target, ``pkg/limits.py``, and ``calc_test`` as the test of
    ``pkg/calc.py``."""
    (repo / "pkg" / "limits.py").write_text(LIMITS, encoding="utf-8")
    (repo / "tests" / "test_limits.py").write_text(TEST_LIMITS, encoding="utf-8")
    (repo / "tests" / "test_calc.py").write_text(calc_test, encoding="utf-8")
    (repo / "pyproject.toml").write_text(TWO_TARGETS, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "two")
    return repo


def test_a_failing_baseline_fails_the_run_and_a_target_without_mutants_is_passed_over(
    tiny_repo: Path, pycache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repo(tiny_repo, TEST.replace("clamp(5, 0) == 5", "clamp(5, 0) == 4"))

    status = main(
        [
            *("--repo", str(repo), "--workers", "2", "--pycache", str(pycache)),
            *("--module", "limits", "--module", "pkg/calc.py"),
        ]
    )

    out, err = capsys.readouterr()
    assert status == 1, out + err
    assert "mutation: pkg/calc.py: running" not in out  # neither target reached exec
    assert "mutation: pkg/limits.py: running" not in out
    assert "mutation: 0 mutant(s) in " in out
    assert (
        "pkg/calc.py: baseline FAILED: its tests fail without any mutation (tests/test_calc.py):"
        in err
    )
    assert "assert 5 == 4" in err
    summary = (repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    rows = [line.split(" | ")[:2] for line in summary.splitlines() if line.startswith("| `pkg")]
    assert rows == [["| `pkg/calc.py`", "0"], ["| `pkg/limits.py`", "0"]]  # none killed
    assert "- `pkg/limits.py`: 2 skipped (Filtered operator)" in summary
    assert (repo / "pkg" / "calc.py").read_text(encoding="utf-8") == MODULE


# Tells the test that the baseline is running, then waits until the test lets it go on.
WAITING_TEST = """\
import os

from pkg.calc import clamp


def test_clamp_when_told() -> None:
    with open(os.environ["MUTATION_TEST_STARTED"], "w") as started:
        started.write("baseline running\\n")
    with open(os.environ["MUTATION_TEST_GO_ON"]) as go_on:
        go_on.read()
    assert clamp(5, 0) == 5
"""


def test_ctrl_c_while_preparing_stops_after_the_current_step_and_exits_130(
    tiny_repo: Path, pycache: Path, tmp_path: Path
) -> None:
    repo = two_target_repo(tiny_repo, WAITING_TEST)
    started, go_on = tmp_path / "started.fifo", tmp_path / "go-on.fifo"
    os.mkfifo(started)
    os.mkfifo(go_on)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")},
        "MUTATION_TEST_STARTED": str(started),
        "MUTATION_TEST_GO_ON": str(go_on),
    }
    tool = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.mutation.run",
            *("--repo", str(repo), "--workers", "1", "--pycache", str(pycache)),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reader = os.open(started, os.O_RDONLY | os.O_NONBLOCK)
        try:
            ready, _, _ = select.select([reader], [], [], 240)
            assert ready, "the baseline of pkg/calc.py never started"
            assert os.read(reader, 100) == b"baseline running\n"
        finally:
            os.close(reader)

        tool.send_signal(signal.SIGINT)
        with go_on.open("w", encoding="utf-8"):
            pass  # the baseline goes on and ends; the run stops before the next target
        out, err = tool.communicate(timeout=240)
    finally:
        if tool.poll() is None:
            tool.kill()
            tool.communicate()

    assert tool.returncode == 130, out + err
    assert err.endswith("mutation: interrupted; the working tree was never mutated\n")
    sessions = repo / ".cache/mutation/sessions"
    assert (sessions / "pkg.calc.sqlite").is_file()
    assert not (sessions / "pkg.limits.sqlite").exists()  # never prepared
    assert not (repo / ".cache/mutation/summary.md").exists()
    assert (repo / "pkg" / "calc.py").read_text(encoding="utf-8") == MODULE
