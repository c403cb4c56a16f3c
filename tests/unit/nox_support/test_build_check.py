"""The checks the build session applies to the wheel: pure decisions and their small I/O edges.

The whole check (uv build, a fresh environment, the install) runs end to end in
tests/integration/test_noxfile.py and in ``nox -s build`` itself.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tools.nox_support.build_check import (
    CheckError,
    ProjectInfo,
    package_files,
    package_modules,
    project_info,
    select_wheel,
    wheel_findings,
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


