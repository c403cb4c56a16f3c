"""The whole run, for real: the map, cosmic-ray, two HTTP workers and the gate, on a tiny
repository.

The repository holds one seven-line module and one test. Its mutants (after the operator
filter and the annotation rule) are known: on line 5 ``value < low`` becomes ``value >= low``
and ``not value < low`` (killed) and ``value <= low`` (survives: ``clamp(low, low)`` is ``low``
either way, an equivalent mutant); on line 7 ``high is not None`` and ``not high is None``
(killed). With a minimum score of 90 the gate fails (4 of 5 is 80%) and names the module and
the survivor; the module's file is unchanged after the run.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib.util
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, redirect_stdout
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import RESULTS, SPECS
from tools.file_lock import exclusive
from tools.mutation.run import STEP_TIMEOUT, Steps, build_parser, main, say
from tools.mutation.settings import load_settings
from tools.mutation.shards import write_plan

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
timeout = 60.0

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = [
    "core/ReplaceComparisonOperator_(?!(Lt_LtE|Lt_GtE|IsNot_Is|Is_IsNot)$)",
    "core/ReplaceBinaryOperator_(?!(BitOr_BitAnd)$)",
    "core/(NumberReplacer|ReplaceTrueWithFalse|ReplaceFalseWithTrue)",
]

[tool.ml_playground.mutation]
packages = ["pkg"]
default-min-score = 90.0
timeout-factor = 5.0
min-timeout = 20.0
test-budget = 60.0
pytest-args = ["-q", "--disable-plugin-autoload", "-p", "no:cacheprovider", "-W", "error"]
test-env = { PYTHONHASHSEED = "0" }

[tool.ml_playground.mutation.excluded]
"pkg/version.py" = "a constant, read by no test"

[tool.ml_playground.mutation.min-scores]

[tool.coverage.run]
source = ["pkg"]
parallel = true
patch = ["subprocess"]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit(repo: Path, message: str) -> None:
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pkg" / "calc.py").write_text(MODULE, encoding="utf-8")
    (repo / "pkg" / "version.py").write_text("VERSION = 1\n", encoding="utf-8")
    (repo / "tests" / "test_calc.py").write_text(TEST, encoding="utf-8")
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / ".gitignore").write_text(".cache/\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "init")
    return repo


@pytest.fixture(scope="module")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bytecode cache for the runs of this module: cosmic-ray is compiled once."""
    return tmp_path_factory.mktemp("pycache")


def tool_command(repo: Path, pycache: Path, *args: str) -> list[str]:
    options = ("--repo", str(repo), "--workers", "2", "--pycache", str(pycache))
    return [sys.executable, "-m", "tools.mutation.run", *options, *args]


def tool_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}


def run_tool(repo: Path, pycache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tool_command(repo, pycache, *args),
        cwd=REPO_ROOT,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def summary_row(repo: Path, module: str) -> list[str]:
    summary = (repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    [row] = [line for line in summary.splitlines() if line.startswith(f"| `{module}` |")]
    return row.split(" | ")[1:]


def test_a_full_run_scores_the_module_and_the_gate_names_the_survivor(
    tiny_repo: Path, pycache: Path
) -> None:
    result = run_tool(tiny_repo, pycache)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "mutation: 1 module(s)" in result.stdout  # pkg/version.py is excluded
    built = re.search(r"^mutation: test map built in (\d+) s$", result.stdout, re.MULTILINE)
    assert built is not None, result.stdout
    assert int(built.group(1)) < 300  # the time the build took, not a clock's reading
    assert "pkg/calc.py: 80.0% (minimum 90.0%): score 80.0% is below" in result.stderr
    assert "    pkg/calc.py:5:13 core/ReplaceComparisonOperator_Lt_LtE" in result.stderr
    killed, survived, equivalent, _, incompetent, pending, score = summary_row(
        tiny_repo, "pkg/calc.py"
    )[:7]
    assert (killed, survived, equivalent, incompetent, pending) == ("4", "1", "1", "0", "0")
    assert score == "80.0%"
    summary = (tiny_repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    assert "- `pkg/calc.py:5:13` core/ReplaceComparisonOperator_Lt_LtE survived" in summary
    assert "  +    if value <= low:" in summary
    # Mutants were only ever written into the workers' copies.
    assert (tiny_repo / "pkg" / "calc.py").read_text(encoding="utf-8") == MODULE
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tiny_repo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""

    # The same files: the map is reused. Asked for no worker, the run has one.
    again = run_tool(tiny_repo, pycache, "--module", "calc", "--workers", "0")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "the test map is current" in again.stdout
    assert "mutation: running on 1 worker(s)" in again.stdout
    # A pragma marks the survivor's line equivalent.
    marked = MODULE.replace("if value < low:", "if value < low:  # pragma: no mutate")
    (tiny_repo / "pkg" / "calc.py").write_text(marked, encoding="utf-8")
    result = run_tool(tiny_repo, pycache, "--module", "pkg.calc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "running the suite under coverage for the test map" in result.stdout
    assert summary_row(tiny_repo, "pkg/calc.py")[:3] == ["2", "0", "4"]


def test_since_runs_only_the_changed_lines_and_skips_untouched_modules(
    tiny_repo: Path, pycache: Path
) -> None:
    unchanged = run_tool(tiny_repo, pycache, "--since", "HEAD")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "mutation: 0 module(s)" in unchanged.stdout

    module = tiny_repo / "pkg" / "calc.py"
    module.write_text(MODULE.replace("value if high is None", "value if None is high"))
    changed = run_tool(tiny_repo, pycache, "--since", "HEAD")

    assert changed.returncode == 0, changed.stdout + changed.stderr
    # Line 7 alone: `None is not high` and `not None is high`, both killed by clamp(5, 0).
    killed, survived, _, filtered = summary_row(tiny_repo, "pkg/calc.py")[:4]
    assert (killed, survived) == ("2", "0")
    assert int(filtered) > 3  # the operator filter and the git filter
    assert module.read_text(encoding="utf-8").count("None is high") == 1


SIGN = "def sign(x: int) -> int:\n    return -1 if x < 0 else 1\n"
TEST_SIGN = """\
from pkg.sign import sign


def test_sign() -> None:
    assert (sign(-2), sign(0)) == (-1, 1)
"""


def test_shards_split_the_modules_by_expected_time_and_combine_into_one_report(
    tiny_repo: Path, pycache: Path
) -> None:
    (tiny_repo / "pkg" / "sign.py").write_text(SIGN, encoding="utf-8")
    (tiny_repo / "tests" / "test_sign.py").write_text(TEST_SIGN, encoding="utf-8")
    first = run_tool(tiny_repo, pycache, "--shard", "1/2")
    second = run_tool(tiny_repo, pycache, "--shard", "2/2")

    # sign has the more mutants to run (7 to calc's 5): it goes to shard 1, calc to shard 2.
    assert first.returncode == 0, first.stdout + first.stderr
    assert "mutation: pkg/sign.py: 100.0% (minimum 90.0%)" in first.stdout
    assert "pkg/calc.py" not in first.stdout + first.stderr
    assert second.returncode == 1, second.stdout + second.stderr
    assert "the test map is current" in second.stdout
    assert "mutation: pkg/calc.py: 80.0%" in second.stderr
    assert "pkg/sign.py" not in second.stdout + second.stderr
    combined = run_tool(
        tiny_repo, pycache, "--combine", str(tiny_repo / ".cache/mutation/sessions")
    )
    assert combined.returncode == 1, combined.stdout + combined.stderr
    assert summary_row(tiny_repo, "pkg/calc.py")[:2] == ["4", "1"]
    assert summary_row(tiny_repo, "pkg/sign.py")[:2] == ["7", "0"]


def test_shards_with_nothing_changed_since_a_revision_combine_to_a_pass(
    tiny_repo: Path, pycache: Path
) -> None:
    for index in ("1/2", "2/2"):
        shard = run_tool(tiny_repo, pycache, "--shard", index, "--since", "HEAD")
        assert shard.returncode == 0, shard.stdout + shard.stderr
        assert "mutation: 0 module(s)" in shard.stdout
    combined = run_tool(
        tiny_repo, pycache, "--combine", str(tiny_repo / ".cache/mutation/sessions")
    )
    assert combined.returncode == 0, combined.stdout + combined.stderr
    assert "mutation: gate passed" in combined.stdout


def test_a_cache_that_cannot_be_written_is_one_line_and_exit_2(
    tiny_repo: Path, pycache: Path
) -> None:
    (tiny_repo / ".cache").mkdir()
    (tiny_repo / ".cache" / "mutation").write_text("not a directory\n", encoding="utf-8")
    result = run_tool(tiny_repo, pycache)
    assert result.returncode == 2
    assert result.stderr.startswith("mutation: [Errno ")
    assert result.stderr.count("\n") == 1


def test_an_unknown_revision_and_a_bad_shard_are_usage_errors(
    tiny_repo: Path, pycache: Path
) -> None:
    result = run_tool(tiny_repo, pycache, "--since", "no-such-revision")
    assert result.returncode == 2
    assert "unknown revision 'no-such-revision'" in result.stderr
    result = run_tool(tiny_repo, pycache, "--shard", "3/2")
    assert result.returncode == 2
    assert result.stderr == "mutation: --shard 3/2: K must be from 1 to 2\n"


def test_a_module_that_is_not_utf8_is_named_in_one_line(tiny_repo: Path, pycache: Path) -> None:
    (tiny_repo / "pkg" / "latin.py").write_bytes(b"# ok\nNAME = 'caf\xe9'\n")
    result = run_tool(tiny_repo, pycache)
    assert result.returncode == 2
    assert result.stderr == (
        "mutation: pkg/latin.py:2: byte 0xe9 is not UTF-8; mutation testing reads sources"
        " as UTF-8\n"
    )


def test_a_second_run_on_the_same_repository_is_refused(tiny_repo: Path, pycache: Path) -> None:
    def must_be_free(pid: str) -> None:
        pytest.fail(f"the lock was held by {pid}")

    with exclusive(tiny_repo / ".cache/mutation/lock", must_be_free):
        result = run_tool(tiny_repo, pycache, "--map-only")
    assert result.returncode == 2
    assert result.stderr == (
        f"mutation: another mutation run (pid {os.getpid()}) is using .cache/mutation;"
        " wait for it to end\n"
    )
    assert not (tiny_repo / ".cache/mutation/map").exists()


def test_a_test_that_fails_without_any_mutant_stops_the_run(tiny_repo: Path, pycache: Path) -> None:
    (tiny_repo / "tests" / "test_calc.py").write_text(
        TEST.replace("clamp(5, 0) == 5", "clamp(5, 0) == 4"), encoding="utf-8"
    )
    result = run_tool(tiny_repo, pycache)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the test suite failed without any mutant (the baseline)" in result.stderr
    assert "assert 5 == 4" in result.stderr
    assert not (tiny_repo / ".cache/mutation/map/index.json").exists()


# Tells the test that the map's run is running, then waits until the test lets it go on.
WAITING_TEST = """\
import os

from pkg.calc import clamp


def test_clamp_when_told() -> None:
    with open(os.environ["MUTATION_TEST_STARTED"], "w") as started:
        started.write("running\\n")
    with open(os.environ["MUTATION_TEST_GO_ON"]) as go_on:
        go_on.read()
    assert clamp(5, 0) == 5
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_during_the_run_exits_130_and_leaves_nothing_behind(
    tiny_repo: Path, pycache: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    (tiny_repo / "tests" / "test_calc.py").write_text(WAITING_TEST, encoding="utf-8")
    started, go_on = tmp_path / "started.fifo", tmp_path / "go-on.fifo"
    os.mkfifo(started)
    os.mkfifo(go_on)
    env = {**tool_env(), "MUTATION_TEST_STARTED": str(started), "MUTATION_TEST_GO_ON": str(go_on)}
    tool = subprocess.Popen(
        tool_command(tiny_repo, pycache),
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
            assert ready, "the map's test run never started"
            assert os.read(reader, 100) == b"running\n"
        finally:
            os.close(reader)
        tool.send_signal(signum)
        out, err = tool.communicate(timeout=240)
    finally:
        if tool.poll() is None:
            tool.kill()
            tool.communicate()

    assert tool.returncode == 130, out + err
    assert err.endswith("mutation: interrupted; the working tree was never mutated\n")
    assert not (tiny_repo / ".cache/mutation/summary.md").exists()
    assert not (tiny_repo / ".cache/mutation/map/index.json").exists()
    assert (tiny_repo / "pkg" / "calc.py").read_text(encoding="utf-8") == MODULE
    # The waiting test went with the run: nobody reads the fifo it was waiting on.
    with pytest.raises(OSError, match="No such device or address") as nobody:
        os.close(os.open(go_on, os.O_WRONLY | os.O_NONBLOCK))
    assert nobody.value.errno == errno.ENXIO


# In process and fast, so that they come first for the mutants of the lines they run.


def test_a_cosmic_ray_step_may_run_for_twelve_hours() -> None:
    assert STEP_TIMEOUT == 12 * 3600.0


def test_a_run_has_one_more_worker_than_the_machine_has_cpus_by_default() -> None:
    assert build_parser().parse_args([]).workers == (os.cpu_count() or 1) + 1


def test_the_steps_of_a_run_are_fixed_once_made(tiny_repo: Path, tmp_path: Path) -> None:
    settings = load_settings(tiny_repo / "pyproject.toml")
    steps = Steps(settings, tiny_repo, tmp_path / "pristine", {}, "pytest", "HEAD")

    with pytest.raises(dataclasses.FrozenInstanceError):
        steps.since = None  # type: ignore[misc]
    assert (steps.repo, steps.command, steps.since) == (tiny_repo, "pytest", "HEAD")


def test_what_the_run_says_is_out_at_once_even_on_a_block_buffered_stdout(
    tmp_path: Path,
) -> None:
    stdout = tmp_path / "stdout"
    # Block-buffered, as stdout is when CI reads it from a pipe.
    with stdout.open("w", encoding="utf-8") as stream, redirect_stdout(stream):
        say("3 module(s)")
        told = stdout.read_text(encoding="utf-8")
    assert told == "mutation: 3 module(s)\n"


@pytest.fixture
def sigterm_kept() -> Iterator[None]:
    """``main`` makes SIGTERM stop the run as Ctrl-C does: this test process keeps its own."""
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


@pytest.mark.usefixtures("sigterm_kept")
def test_a_run_without_a_bytecode_prefix_and_nothing_changed_passes_the_gate(
    tiny_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--repo", str(tiny_repo), "--workers", "1", "--since", "HEAD"]) == 0
    summary = (tiny_repo / ".cache/mutation/summary.md").as_posix()
    assert capsys.readouterr() == (
        f"mutation: 0 module(s)\nmutation: gate passed; report in {summary}\n",
        "",
    )


@pytest.mark.usefixtures("sigterm_kept")
def test_combined_shards_report_their_mutants_without_a_run_time(
    tiny_repo: Path, tmp_path: Path
) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    first = shards / "shard-1-of-2.sqlite"
    with closing(sqlite3.connect(first)) as connection:
        connection.execute(SPECS)
        connection.execute(RESULTS)
        connection.execute(
            "INSERT INTO mutation_specs VALUES ('j', 'pkg/calc.py', 'core/AddNot', 0, 5, 4, 5)"
        )
        connection.execute("INSERT INTO work_results VALUES ('j', 'NORMAL', 'SURVIVED', '', '')")
        connection.commit()
    write_plan(first, "the map", ["pkg/calc.py"], ["pkg/calc.py"])
    write_plan(shards / "shard-2-of-2.sqlite", "the map", ["pkg/calc.py"], [])

    assert main(["--repo", str(tiny_repo), "--combine", str(shards)]) == 1

    summary = (tiny_repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[2] == "1 mutant(s) run; overall score 0.0%."
