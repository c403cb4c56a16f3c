"""The checks the build session applies to the wheel: pure decisions and their small I/O edges.

The whole check (uv build, a fresh environment, the install) runs end to end in
tests/integration/test_noxfile.py and in ``nox -s build`` itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tools.nox_support.build_check import (
    CheckError,
    ImportResult,
    ProjectInfo,
    cli_version,
    import_findings,
    main,
    package_files,
    package_modules,
    parse_probe,
    probe_imports,
    project_info,
    select_wheel,
    source_files,
    version_findings,
    wheel_findings,
    wheel_members,
    wheel_prefix,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
INFO = ProjectInfo(name="ml-playground", version="0.1.0")
SOURCE = [
    "ml_playground/cli.py",
    "ml_playground/core/errors.py",
    "ml_playground/models/utils/estimator.py",
    "ml_playground/experiments/default_config.toml",
    "ml_playground/experiments/stdlib_char/config.toml",
]
COMPLETE_WHEEL = [
    *SOURCE,
    "ml_playground-0.1.0.dist-info/METADATA",
    "ml_playground-0.1.0.dist-info/RECORD",
]


# --- project metadata and wheel selection ------------------------------------------------------


def test_project_info_reads_name_and_version() -> None:
    text = '[project]\nname = "ml-playground"\nversion = "0.1.0"\n'
    assert project_info(text) == INFO


@pytest.mark.parametrize(
    "text",
    [
        '[tool.x]\nname = "y"\n',
        '[project]\nname = "ml-playground"\ndynamic = ["version"]\n',
    ],
)
def test_project_info_needs_a_static_name_and_version(text: str) -> None:
    with pytest.raises(CheckError):
        project_info(text)


def test_project_info_of_this_repository_matches_pyproject() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert project_info(text).version == tomllib.loads(text)["project"]["version"]


def test_the_wheel_prefix_normalizes_the_name() -> None:
    assert wheel_prefix(INFO) == "ml_playground-0.1.0-"
    assert wheel_prefix(ProjectInfo(name="A.b-C", version="2")) == "a_b_c-2-"


def test_select_wheel_picks_this_version_and_ignores_the_rest() -> None:
    names = [
        "ml_playground-0.1.0.tar.gz",
        "ml_playground-0.0.9-py3-none-any.whl",
        "ml_playground-0.1.0-py3-none-any.whl",
        "other-0.1.0-py3-none-any.whl",
    ]
    assert select_wheel(names, INFO) == "ml_playground-0.1.0-py3-none-any.whl"
    assert select_wheel(names[:2], INFO) is None


# --- what the source tree says the wheel must hold ---------------------------------------------


def test_package_files_drop_caches_hidden_entries_and_other_trees() -> None:
    raw = [
        *SOURCE,
        "ml_playground/core/__pycache__/errors.cpython-311.pyc",
        "ml_playground/.DS_Store",
        "ml_playground/core/stale.pyc",
        "tests/unit/test_x.py",
        "tools/nox_support/build_check.py",
        "ml_playground",
    ]
    assert package_files(raw) == sorted(SOURCE)


def test_package_modules_include_every_directory_namespace_or_data() -> None:
    assert package_modules(SOURCE) == [
        "ml_playground",
        "ml_playground.core",
        "ml_playground.experiments",
        "ml_playground.experiments.stdlib_char",
        "ml_playground.models",
        "ml_playground.models.utils",
    ]


# --- findings about the wheel's members --------------------------------------------------------


def test_a_complete_wheel_has_no_findings() -> None:
    assert wheel_findings(COMPLETE_WHEEL, SOURCE) == []


def test_a_missing_experiment_file_is_named() -> None:
    members = [m for m in COMPLETE_WHEEL if not m.endswith("stdlib_char/config.toml")]
    assert wheel_findings(members, SOURCE) == [
        "package ml_playground.experiments.stdlib_char (ml_playground/experiments/stdlib_char/) "
        "is not in the wheel",
        "experiment file ml_playground/experiments/stdlib_char/config.toml is not in the wheel",
    ]


def test_a_missing_namespace_package_and_module_are_named() -> None:
    members = [m for m in COMPLETE_WHEEL if "/models/" not in m]
    findings = wheel_findings(members, SOURCE)
    assert "package ml_playground.models (ml_playground/models/) is not in the wheel" in findings
    utils = "package ml_playground.models.utils (ml_playground/models/utils/) is not in the wheel"
    assert utils in findings
    assert "module ml_playground/models/utils/estimator.py is not in the wheel" in findings


def test_tests_tools_and_strangers_in_the_wheel_are_findings() -> None:
    members = [*COMPLETE_WHEEL, "tests/unit/test_x.py", "tools/a.py", "noxfile.py"]
    assert wheel_findings(members, SOURCE) == [
        "unexpected top-level entry 'noxfile.py' in the wheel",
        "tests/ is in the wheel: the wheel must not ship tests",
        "tools/ is in the wheel: the wheel must not ship tools",
    ]


def test_wheel_data_directories_are_allowed() -> None:
    members = [*COMPLETE_WHEEL, "ml_playground-0.1.0.data/scripts/x"]
    assert wheel_findings(members, SOURCE) == []


# --- findings from the fresh environment -------------------------------------------------------


def test_imports_from_inside_the_environment_pass(tmp_path: Path) -> None:
    inside = tmp_path / "venv" / "lib" / "ml_playground"
    inside.mkdir(parents=True)
    results = {"ml_playground": ImportResult(error="", paths=(str(inside),))}
    assert import_findings(results, ["ml_playground"], tmp_path / "venv") == []


def test_failed_foreign_and_unprobed_imports_are_findings(tmp_path: Path) -> None:
    env_root = tmp_path / "venv"
    env_root.mkdir()
    results = {
        "a": ImportResult(error="ModuleNotFoundError: No module named 'a'", paths=()),
        "b": ImportResult(error="", paths=(str(tmp_path / "checkout" / "b"),)),
    }
    assert import_findings(results, ["a", "b", "c"], env_root) == [
        "package a does not import from the wheel: ModuleNotFoundError: No module named 'a'",
        f"package b was imported from outside the wheel: {tmp_path / 'checkout' / 'b'}",
        "package c was not probed",
    ]


@pytest.mark.parametrize("output", ["ml-playground 0.1.0\n", "0.1.0"])
def test_the_cli_version_matches(output: str) -> None:
    assert version_findings(output, "0.1.0") == []


@pytest.mark.parametrize("output", ["ml-playground 0+unknown\n", ""])
def test_a_wrong_cli_version_is_a_finding(output: str) -> None:
    (finding,) = version_findings(output, "0.1.0")
    assert "expected version 0.1.0" in finding


def test_parse_probe_reads_errors_and_paths() -> None:
    output = '{"a": {"error": "", "paths": ["/x/a"]}, "b": {"error": "E: no", "paths": []}}'
    assert parse_probe(output) == {
        "a": ImportResult(error="", paths=("/x/a",)),
        "b": ImportResult(error="E: no", paths=()),
    }


@pytest.mark.parametrize("output", ["Traceback ...", "[1, 2]", '{"a": 1}', '{"a": {"paths": 3}}'])
def test_parse_probe_rejects_malformed_output(output: str) -> None:
    with pytest.raises(CheckError):
        parse_probe(output)


# --- I/O edges against real files, archives and interpreters -----------------------------------


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_source_files_walk_a_directory_without_git(tmp_path: Path) -> None:
    for name in [*SOURCE, "ml_playground/core/__pycache__/errors.cpython-311.pyc"]:
        write(tmp_path, name)
    assert source_files(tmp_path) == sorted(SOURCE)


def test_source_files_follow_git_ignore_rules(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "--quiet")
    write(tmp_path, ".gitignore", "ml_playground/experiments/*/data/\n")
    write(tmp_path, "ml_playground/cli.py")
    git("add", "ml_playground/cli.py")
    write(tmp_path, "ml_playground/core/errors.py")  # untracked: a build still includes it
    write(tmp_path, "ml_playground/experiments/demo/data/train.bin")  # ignored: it does not
    write(tmp_path, "ml_playground/gone.py")
    git("add", "ml_playground/gone.py")
    (tmp_path / "ml_playground" / "gone.py").unlink()  # deleted in the work tree
    assert source_files(tmp_path) == ["ml_playground/cli.py", "ml_playground/core/errors.py"]


def test_wheel_members_lists_the_archive(tmp_path: Path) -> None:
    wheel = tmp_path / "ml_playground-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in COMPLETE_WHEEL:
            archive.writestr(name, "")
    assert wheel_members(wheel) == COMPLETE_WHEEL


def test_the_probe_imports_with_a_real_interpreter(tmp_path: Path) -> None:
    results = probe_imports(Path(sys.executable), ["json", "no_such_module_xyz"], tmp_path)
    assert results["json"].error == ""
    assert Path(results["json"].paths[0]).name == "json"
    assert results["no_such_module_xyz"].error.startswith("ModuleNotFoundError")


def test_cli_version_of_the_installed_project_matches_pyproject(tmp_path: Path) -> None:
    expected = project_info((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")).version
    assert version_findings(cli_version(Path(sys.executable), tmp_path), expected) == []


def test_source_files_walk_the_directory_when_git_cannot_list_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # not a repository git can read
    for name in SOURCE:
        write(tmp_path, name)
    assert source_files(tmp_path) == sorted(SOURCE)


# --- the command line: what stops the check before it can judge the wheel ---------------------


def small_project(root: Path, *, with_wheel: bool = True, with_sources: bool = True) -> Path:
    """A project directory with this project's name and version, its wheel (a plain archive of
    the sources) in ``root/dist``; returns the dist directory."""
    write(root, "pyproject.toml", '[project]\nname = "ml-playground"\nversion = "0.1.0"\n')
    if with_sources:
        for name in SOURCE:
            write(root, name)
    dist = root / "dist"
    dist.mkdir()
    if with_wheel:
        with zipfile.ZipFile(dist / "ml_playground-0.1.0-py3-none-any.whl", "w") as archive:
            for name in COMPLETE_WHEEL:
                archive.writestr(name, "")
    return dist


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    assert captured.out == ""
    return status, captured.err


def test_without_a_wheel_the_check_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = small_project(tmp_path, with_wheel=False)
    status, err = run_main(capsys, "--project", str(tmp_path), "--dist", str(dist))
    assert status == 2
    assert err == (
        "error: build check could not run: no wheel ml_playground-0.1.0-*.whl in"
        f" {dist}: run `uv build` first\n"
    )


def test_without_the_package_sources_the_check_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = small_project(tmp_path, with_sources=False)
    status, err = run_main(capsys, "--project", str(tmp_path), "--dist", str(dist))
    assert status == 2
    assert err == (
        f"error: build check could not run: no files of ml_playground found under {tmp_path}\n"
    )


def test_a_uv_that_cannot_start_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = small_project(tmp_path)
    uv = tmp_path / "bin" / "uv"
    status, err = run_main(capsys, "--project", str(tmp_path), "--dist", str(dist), "--uv", str(uv))
    assert status == 2
    assert err == (
        f"error: build check could not run: `{uv}` could not start:"
        f" [Errno 2] No such file or directory: '{uv}'\n"
    )


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_a_failing_uv_step_is_named_with_its_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fresh environment is created; exporting the locked versions fails: no uv.lock.
    monkeypatch.setenv("COLUMNS", "1000")  # uv wraps its message at the terminal width
    dist = small_project(tmp_path)
    status, err = run_main(capsys, "--project", str(tmp_path), "--dist", str(dist))
    assert status == 2
    assert err.startswith("error: build check could not run: `uv export --quiet --locked ")
    command, _, last_line = err.partition("` failed (1): ")
    assert command.endswith("/locked-constraints.txt")
    assert last_line.startswith("error: ")  # uv's own words (they differ between versions)
    assert "uv.lock" in last_line
    assert err.count("\n") == 1
