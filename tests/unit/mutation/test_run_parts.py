"""The parts of ``python -m tools.mutation.run`` that need no cosmic-ray session: its options,
a failed step's message, the map-only run on a current map and the build of a stale one, the
number of workers, a run with no module to mutate and the combination of the shards'
sessions, in process on a tiny git repository."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing, redirect_stdout
from pathlib import Path

import pytest

from tests.unit.mutation.conftest import RESULTS, SPECS
from tools.mutation.coverage_map import fingerprint, is_current
from tools.mutation.errors import MutationError
from tools.mutation.processes import tool_env
from tools.mutation.run import (
    build_parser,
    ensure_map,
    main,
    run,
    run_locked,
    tool,
    worker_count,
)
from tools.mutation.settings import load_settings
from tools.mutation.shards import plan_file, write_plan
from tools.mutation.snapshot import repository_files

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

PYPROJECT = """\
[tool.cosmic-ray]
timeout = 60.0

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = []

[tool.ml_playground.mutation]
packages = ["pkg"]
default-min-score = 90.0
timeout-factor = 5.0
min-timeout = 20.0
test-budget = 60.0

[tool.ml_playground.mutation.excluded]

[tool.ml_playground.mutation.min-scores]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the settings and no module to mutate (there is no ``pkg``)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / ".gitignore").write_text(".cache/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, capture_output=True)
    return repo


def current_map(repo: Path) -> Path:
    """The test map of the repository's files as they are now (its index alone)."""
    directory = repo / ".cache/mutation/map"
    directory.mkdir(parents=True)
    stamp = fingerprint(repo, repository_files(repo))
    index = f'{{"fingerprint": "{stamp}", "modules": []}}'
    (directory / "index.json").write_text(index, encoding="utf-8")
    return directory


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}


def test_a_failed_step_is_named_by_its_arguments_with_the_end_of_its_errors(
    tmp_path: Path,
) -> None:
    code = "import sys; print('out'); sys.stderr.write('x' * 5 + 'y' * 2000 + '\\n'); sys.exit(3)"
    command = [sys.executable, "-c", code, "first", "second"]

    with pytest.raises(MutationError) as failed:
        tool(command, tmp_path, child_env())

    assert str(failed.value) == f"-c {code} first ... failed (3):\n" + "y" * 2000


def test_a_failed_step_without_errors_is_named_with_the_end_of_its_output(
    tmp_path: Path,
) -> None:
    code = "print('z' * 3 + 'o' * 2000); raise SystemExit(1)"

    with pytest.raises(MutationError) as failed:
        tool([sys.executable, "-c", code], tmp_path, child_env())

    assert str(failed.value) == f"-c {code} ... failed (1):\n" + "o" * 2000


def test_without_options_a_run_uses_one_worker_per_cpu_on_the_current_directory() -> None:
    args = build_parser().parse_args([])
    assert args.workers == (os.cpu_count() or 1) + 1
    assert (args.repo, args.module, args.shard, args.since) == (Path(), None, None, None)
    assert (args.map_only, args.combine, args.pycache) == (False, None, None)


def test_map_only_with_a_current_map_reuses_it_and_exits_0(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current_map(repo)

    assert main(["--repo", str(repo), "--map-only"]) == 0

    assert capsys.readouterr() == ("mutation: the test map is current\n", "")


def test_the_map_being_current_is_told_at_once_not_when_the_run_ends(
    repo: Path, tmp_path: Path
) -> None:
    directory = current_map(repo)
    settings = load_settings(repo / "pyproject.toml")
    stdout = tmp_path / "stdout"
    # Block-buffered, as stdout is when CI reads it from a pipe.
    with stdout.open("w", encoding="utf-8") as stream, redirect_stdout(stream):
        found = ensure_map(repo, settings, child_env(), 1)
        told = stdout.read_text(encoding="utf-8")
    assert told == "mutation: the test map is current\n"
    assert found == (directory, fingerprint(repo, repository_files(repo)))


def test_a_run_with_no_module_to_mutate_passes_the_gate_each_time(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = repo / ".cache/mutation"
    for _ in range(2):
        assert main(["--repo", str(repo), "--workers", "1"]) == 0
        out, err = capsys.readouterr()
        assert (out, err) == (
            "mutation: 0 module(s)\n"
            "mutation: gate passed; report in " + (cache / "summary.md").as_posix() + "\n",
            "",
        )
        assert (cache / "sessions").is_dir()
        assert (cache / "logs").is_dir()
        first = (cache / "summary.md").read_text(encoding="utf-8").splitlines()[2]
        took = re.fullmatch(
            r"0 mutant\(s\) run(?: in (\d+) s \(0\.00 per second\))?; overall score n/a\.", first
        )
        assert took is not None, first
        assert int(took.group(1) or 0) < 60  # the run's own time, not a clock's reading


def write_session(path: Path, outcomes: list[tuple[str, str]]) -> None:
    """A cosmic-ray session with one mutant of ``pkg/a.py`` per (worker, test) outcome."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(SPECS)
        connection.execute(RESULTS)
        for number, (worker, test) in enumerate(outcomes):
            job = f"{path.stem}-{number}"
            connection.execute(
                "INSERT INTO mutation_specs VALUES (?, 'pkg/a.py', 'core/AddNot', 0, ?, 4, ?)",
                (job, number + 1, number + 1),
            )
            connection.execute(
                "INSERT INTO work_results VALUES (?, ?, ?, '', '')", (job, worker, test)
            )
        connection.commit()


def test_combine_reports_every_shard_session_without_a_run_time(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    first = shards / "shard-1-of-2.sqlite"
    write_session(first, [("NORMAL", "SURVIVED"), ("NORMAL", "SURVIVED")])
    write_plan(first, "the map", ["pkg/a.py"], ["pkg/a.py"])
    write_plan(shards / "shard-2-of-2.sqlite", "the map", ["pkg/a.py"], [])

    assert main(["--repo", str(repo), "--combine", str(shards)]) == 1

    summary = (repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[2] == "2 mutant(s) run; overall score 0.0%."
    assert "mutation: pkg/a.py: 0.0% (minimum 90.0%)" in capsys.readouterr().err


def test_a_directory_without_a_project_is_refused_before_anything_is_written_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "no-such-project"
    assert main(["--repo", str(typo), "--map-only"]) == 2
    assert capsys.readouterr().err.startswith(
        f"mutation: {typo.as_posix()}/pyproject.toml: cannot read"
    )
    assert not typo.exists()


def test_a_run_has_the_workers_asked_for_but_at_least_one_and_at_most_64() -> None:
    asked = [-3, 0, 1, 2, 63, 64, 65, 1000]
    assert [worker_count(n) for n in asked] == [1, 1, 1, 2, 63, 64, 64, 64]


def test_shards_with_no_module_to_mutate_each_plan_an_empty_shard_and_combine_to_a_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = repo / ".cache/mutation/sessions"
    for index in ("1/3", "2/3", "3/3"):
        assert run(build_parser().parse_args(["--repo", str(repo), "--shard", index])) == 0
    assert sorted(p.name for p in sessions.iterdir()) == [
        "shard-1-of-3.json",
        "shard-2-of-3.json",
        "shard-3-of-3.json",
    ]
    plan = (sessions / "shard-2-of-3.json").read_text(encoding="utf-8")
    assert plan == '{"map": "", "split": [], "modules": []}'
    capsys.readouterr()

    assert run(build_parser().parse_args(["--repo", str(repo), "--combine", str(sessions)])) == 0
    assert capsys.readouterr().out.endswith(
        "mutation: gate passed; report in "
        + (repo / ".cache/mutation/summary.md").as_posix()
        + "\n"
    )


def test_a_run_reports_none_of_the_mutants_an_earlier_run_left_in_its_session(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = repo / ".cache/mutation/sessions"
    sessions.mkdir(parents=True)
    earlier = sessions / "run.sqlite"
    write_session(earlier, [("NORMAL", "SURVIVED")])
    write_plan(earlier, "an old map", ["pkg/a.py"], ["pkg/a.py"])

    assert run(build_parser().parse_args(["--repo", str(repo)])) == 0

    assert list(sessions.iterdir()) == []
    assert "pkg/a.py" not in "".join(capsys.readouterr())
    summary = (repo / ".cache/mutation/summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[2].startswith("0 mutant(s) run")


def test_a_run_without_its_lock_makes_the_cache_directories_it_writes_to(repo: Path) -> None:
    args = build_parser().parse_args(["--repo", str(repo)])
    settings = load_settings(repo / "pyproject.toml")

    assert run_locked(args, repo, settings) == 0

    cache = repo / ".cache/mutation"
    assert sorted(p.name for p in cache.iterdir()) == ["logs", "sessions", "summary.md"]
    assert not plan_file(cache / "sessions" / "run.sqlite").exists()


MAP_PYPROJECT = (
    PYPROJECT.replace(
        "test-budget = 60.0\n",
        "test-budget = 60.0\n"
        'pytest-args = ["-q", "--disable-plugin-autoload", "-p", "no:cacheprovider"]\n',
    )
    + '\n[tool.coverage.run]\nsource = ["pkg"]\nparallel = true\n'
)
"""The settings with the map's pytest run (no plugin of this environment) and its coverage."""


@pytest.mark.slow
def test_a_stale_map_is_built_again_and_the_time_it_took_is_told(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pyproject.toml").write_text(MAP_PYPROJECT, encoding="utf-8")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "one.py").write_text("ONE = 1\n", encoding="utf-8")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_one.py").write_text(
        "from pkg.one import ONE\n\n\ndef test_one() -> None:\n    assert ONE == 1\n",
        encoding="utf-8",
    )
    settings = load_settings(repo / "pyproject.toml")

    directory, stamp = ensure_map(repo, settings, tool_env(tmp_path / "pycache"), 1)

    assert (directory, stamp) == (
        repo / ".cache/mutation/map",
        fingerprint(repo, repository_files(repo)),
    )
    assert is_current(directory, stamp)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "mutation: running the suite under coverage for the test map"
    built = re.fullmatch(r"mutation: test map built in (\d+) s", out[1])
    assert built is not None, out
    assert int(built.group(1)) < 3600  # the time the build took, not a clock's reading
