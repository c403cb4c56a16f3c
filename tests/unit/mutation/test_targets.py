"""The mutation settings in pyproject.toml and the cosmic-ray config written from them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.targets import (
    cosmic_ray_config,
    load_settings,
    parse_settings,
)
from tools.mutation.targets import test_command as command_of

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

MINIMAL = """\
[tool.cosmic-ray]
module-path = ["pkg/a.py", "pkg/sub/b.py"]
timeout = 12
excluded-modules = []
test-command = "python -m pytest -x {tests}"

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = ["core/ReplaceBinaryOperator_(?!(Add_Sub)$)", "core/NumberReplacer"]

[tool.ml_playground.mutation]
timeout-factor = 4
preload = ["numpy"]
test-env = { OMP_NUM_THREADS = "1", CUDA_VISIBLE_DEVICES = "" }

[tool.ml_playground.mutation.tests]
"pkg/a.py" = ["tests/test a.py"]
"pkg/sub/b.py" = "tests/unit"

[tool.ml_playground.mutation.min-scores]
"pkg/a.py" = 85
"pkg/sub/b.py" = 92.5
"""


def test_the_project_settings_name_existing_modules_and_tests() -> None:
    settings = load_settings(REPO_ROOT / "pyproject.toml")
    assert settings.targets
    for target in settings.targets:
        assert (REPO_ROOT / target.module).is_file(), target.module
        assert all((REPO_ROOT / test).exists() for test in target.tests), target.tests
        assert 0 < target.min_score <= 100
    assert dict(settings.test_env)["OMP_NUM_THREADS"] == "1"
    assert dict(settings.test_env)["CUDA_VISIBLE_DEVICES"] == ""
    assert dict(settings.test_env)["PYTHONHASHSEED"] == "0"


def test_parse_settings_reads_every_field() -> None:
    settings = parse_settings(MINIMAL)
    assert [(t.module, t.tests, t.min_score) for t in settings.targets] == [
        ("pkg/a.py", ("tests/test a.py",), 85.0),
        ("pkg/sub/b.py", ("tests/unit",), 92.5),
    ]
    assert (settings.timeout, settings.timeout_factor) == (12.0, 4.0)
    assert settings.preload == ("numpy",)
    assert settings.test_env == (("OMP_NUM_THREADS", "1"), ("CUDA_VISIBLE_DEVICES", ""))
    assert settings.targets[1].slug == "pkg.sub.b"


def test_targets_are_found_by_path_dotted_name_or_last_component() -> None:
    settings = parse_settings(MINIMAL)
    assert settings.target("pkg/sub/b.py").module == "pkg/sub/b.py"
    assert settings.target("pkg.sub.b").module == "pkg/sub/b.py"
    assert settings.target("a").module == "pkg/a.py"
    with pytest.raises(MutationError, match="no mutation target matches 'c'"):
        settings.target("c")


def test_operator_exclusion_matches_at_the_start_like_cosmic_ray() -> None:
    settings = parse_settings(MINIMAL)
    assert settings.excludes_operator("core/ReplaceBinaryOperator_Add_Mul")
    assert not settings.excludes_operator("core/ReplaceBinaryOperator_Add_Sub")
    assert settings.excludes_operator("core/NumberReplacer")
    assert not settings.excludes_operator("xcore/NumberReplacer")


def test_the_test_command_quotes_tests_and_sets_the_environment() -> None:
    settings = parse_settings(MINIMAL)
    assert command_of(settings, settings.targets[0]) == (
        "env OMP_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= python -m pytest -x 'tests/test a.py'"
    )


def test_the_cosmic_ray_config_is_valid_toml_for_one_target() -> None:
    settings = parse_settings(MINIMAL)
    text = cosmic_ray_config(
        settings,
        settings.targets[1],
        worker_urls=["http://127.0.0.1:4001", "http://127.0.0.1:4002"],
        timeout=30,
        since="origin/main",
    )
    config = tomllib.loads(text)["cosmic-ray"]
    assert config["module-path"] == "pkg/sub/b.py"
    assert config["timeout"] == 30.0
    assert config["test-command"].endswith("python -m pytest -x tests/unit")
    assert config["distributor"] == {
        "name": "http",
        "http": {"worker-urls": ["http://127.0.0.1:4001", "http://127.0.0.1:4002"]},
    }
    assert config["filters"]["operators-filter"]["exclude-operators"][1] == "core/NumberReplacer"
    assert config["filters"]["git-filter"] == {"branch": "origin/main"}
    without_since = cosmic_ray_config(settings, settings.targets[0], worker_urls=[], timeout=1)
    assert "git-filter" not in tomllib.loads(without_since)["cosmic-ray"].get("filters", {})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[tool.cosmic-ray", "[tool.other"), r"no \[tool.cosmic-ray\] table"),
        (('"pkg/sub/b.py" = 92.5\n', ""), r"min-scores\] must have one entry per module-path"),
        (('"pkg/a.py" = 85\n', '"pkg/a.py" = 101\n'), "must be a number from 0 to 100"),
        (("-x {tests}", "-x"), r"must contain \{tests\}"),
        (("timeout = 12", "timeout = 0"), r"timeout must be a positive number"),
        (('"pkg/a.py" = ["tests/test a.py"]', '"pkg/a.py" = []'), "lists no tests"),
        (
            ("excluded-modules = []", 'excluded-modules = []\ndistributor = { name = "local" }'),
            r'distributor\] name must be "http"',
        ),
        (
            ('module-path = ["pkg/a.py", "pkg/sub/b.py"]', "module-path = 7"),
            r"^\[tool.cosmic-ray\] module-path must be a string or a list of strings$",
        ),
        (
            ('CUDA_VISIBLE_DEVICES = ""', "CUDA_VISIBLE_DEVICES = 0"),
            r"^\[tool.ml_playground.mutation\] test-env must map names to strings$",
        ),
    ],
)
def test_unusable_settings_are_reported_in_one_line(edit: tuple[str, str], message: str) -> None:
    text = MINIMAL.replace(*edit)
    assert text != MINIMAL
    with pytest.raises(MutationError, match=message):
        parse_settings(text)


def test_a_table_under_a_value_that_is_no_table_is_missing() -> None:
    with pytest.raises(MutationError) as missing:
        parse_settings('tool = { cosmic-ray = {}, ml_playground = "not a table" }')
    assert str(missing.value) == "pyproject.toml has no [tool.ml_playground.mutation] table"


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(MutationError, match="not valid TOML"):
        parse_settings("[tool\n")
    with pytest.raises(MutationError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")
