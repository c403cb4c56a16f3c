"""The mutation settings in pyproject.toml, the modules they make targets, and the test command
and cosmic-ray config written from them."""

from __future__ import annotations

import dataclasses
import shlex
import tomllib
from pathlib import Path

import pytest

from tools.mutation.errors import MutationError
from tools.mutation.settings import (
    cosmic_ray_config,
    load_settings,
    parse_settings,
    select,
)
from tools.mutation.settings import test_command as command_of

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]

MINIMAL = """\
[tool.cosmic-ray]
timeout = 900

[tool.cosmic-ray.filters.operators-filter]
exclude-operators = ["core/ReplaceBinaryOperator_(?!(Add_Sub)$)", "core/NumberReplacer"]

[tool.ml_playground.mutation]
packages = ["pkg", "tools"]
default-min-score = 90
timeout-factor = 5
min-timeout = 10.5
test-budget = 2.5
pytest-args = ["-q", "-p", "no:cacheprovider", "-k", "not slow"]
preload = ["numpy", "pytest"]
test-env = { OMP_NUM_THREADS = "1", CUDA_VISIBLE_DEVICES = "" }

[tool.ml_playground.mutation.excluded]
"pkg/generated.py" = "generated from the schema"

[tool.ml_playground.mutation.min-scores]
"pkg/a.py" = 85
"pkg/sub/b.py" = 92.5
"""


def test_a_valid_text_gives_every_value() -> None:
    settings = parse_settings(MINIMAL)
    assert settings.packages == ("pkg", "tools")
    assert settings.excluded == {"pkg/generated.py": "generated from the schema"}
    assert settings.min_scores == {"pkg/a.py": 85.0, "pkg/sub/b.py": 92.5}
    assert settings.default_min_score == 90.0
    assert (settings.timeout, settings.timeout_factor, settings.min_timeout) == (900.0, 5.0, 10.5)
    assert settings.test_budget == 2.5
    assert settings.pytest_args == ("-q", "-p", "no:cacheprovider", "-k", "not slow")
    assert settings.test_env == {"OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    assert settings.preload == ("numpy", "pytest")
    assert settings.exclude_operators == (
        "core/ReplaceBinaryOperator_(?!(Add_Sub)$)",
        "core/NumberReplacer",
    )


def test_optional_values_default_to_empty() -> None:
    text = MINIMAL.replace('pytest-args = ["-q", "-p", "no:cacheprovider", "-k", "not slow"]', "")
    text = text.replace('preload = ["numpy", "pytest"]\n', "")
    text = text.replace('test-env = { OMP_NUM_THREADS = "1", CUDA_VISIBLE_DEVICES = "" }', "")
    text = text.replace(
        'exclude-operators = ["core/ReplaceBinaryOperator_(?!(Add_Sub)$)", "core/NumberReplacer"]',
        "",
    )
    settings = parse_settings(text)
    assert (settings.pytest_args, settings.preload, settings.exclude_operators) == ((), (), ())
    assert settings.test_env == {}


def test_entries_for_modules_that_are_gone_are_named() -> None:
    settings = parse_settings(MINIMAL)
    files = [*settings.excluded, *settings.min_scores]
    assert settings.unknown_entries(files) == []
    assert settings.unknown_entries(["pkg/a.py", "pkg/generated.py"]) == ["pkg/sub/b.py"]


EXCLUDED_WITHOUT_REASON = (
    r"^\[tool.ml_playground.mutation\].excluded\['pkg/generated.py'\] must give the reason$"
)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[tool.cosmic-ray]\n", "[tool.cosmic-ray\n"), r"^pyproject.toml is not valid TOML \("),
        (
            ("[tool.ml_playground.mutation.excluded]\n", "[tool.ml_playground.mutation.other]\n"),
            r"^pyproject.toml has no \[tool.ml_playground.mutation.excluded\] table$",
        ),
        (
            ("[tool.ml_playground.mutation.min-scores]", "[tool.ml_playground.scores]"),
            r"^pyproject.toml has no \[tool.ml_playground.mutation.min-scores\] table$",
        ),
        (
            ("[tool.cosmic-ray.filters.operators-filter]", "[tool.cosmic-ray.filters.other]"),
            r"^pyproject.toml has no \[tool.cosmic-ray.filters.operators-filter\] table$",
        ),
        (
            ('"generated from the schema"', '"  "'),
            EXCLUDED_WITHOUT_REASON,
        ),
        (
            ('"generated from the schema"', "true"),
            EXCLUDED_WITHOUT_REASON,
        ),
        (
            ('"pkg/a.py" = 85', '"pkg/a.py" = 100.5'),
            r"^min-scores\['pkg/a.py'\] must be a number from 0 to 100$",
        ),
        (
            ('"pkg/a.py" = 85', '"pkg/a.py" = -1'),
            r"^min-scores\['pkg/a.py'\] must be a number from 0 to 100$",
        ),
        (
            ('"pkg/a.py" = 85', '"pkg/a.py" = true'),
            r"^min-scores\['pkg/a.py'\] must be a number from 0 to 100$",
        ),
        (
            ("default-min-score = 90", "default-min-score = 101"),
            r"^default-min-score must be a number from 0 to 100$",
        ),
        (
            ('CUDA_VISIBLE_DEVICES = ""', "CUDA_VISIBLE_DEVICES = 0"),
            r"^\[tool.ml_playground.mutation\] test-env must map names to strings$",
        ),
        (
            ('test-env = { OMP_NUM_THREADS = "1", CUDA_VISIBLE_DEVICES = "" }', 'test-env = "1"'),
            r"^\[tool.ml_playground.mutation\] test-env must map names to strings$",
        ),
        (
            ('packages = ["pkg", "tools"]', 'packages = "pkg"'),
            r"^\[tool.ml_playground.mutation\] packages must be a list of strings$",
        ),
        (
            ('preload = ["numpy", "pytest"]', "preload = [1]"),
            r"^\[tool.ml_playground.mutation\] preload must be a list of strings$",
        ),
        (
            ("timeout = 900", "timeout = 0.5"),
            r"^\[tool.cosmic-ray\] timeout must be a number finite, at least 1$",
        ),
        (
            ("min-timeout = 10.5", 'min-timeout = "10"'),
            r"^\[tool.ml_playground.mutation\] min-timeout must be a number finite, at least 1$",
        ),
    ],
)
def test_each_unusable_input_is_named(edit: tuple[str, str], message: str) -> None:
    text = MINIMAL.replace(*edit)
    assert text != MINIMAL
    with pytest.raises(MutationError, match=message):
        parse_settings(text)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("timeout-factor = 5", "timeout-factor = 0.5"),
            r"^\[tool.ml_playground.mutation\] timeout-factor must be a number finite, at least 1$",
        ),
        (
            ("test-budget = 2.5", "test-budget = -0.5"),
            r"^\[tool.ml_playground.mutation\] test-budget must be a number finite, at least 0$",
        ),
        (
            ("timeout-factor = 5", "timeout-factor = inf"),
            r"^\[tool.ml_playground.mutation\] timeout-factor must be a number finite, at",
        ),
        (
            ("test-budget = 2.5", "test-budget = 1e400"),
            r"^\[tool.ml_playground.mutation\] test-budget must be a number finite, at least 0$",
        ),
        (
            ("timeout = 900", "timeout = nan"),
            r"^\[tool.cosmic-ray\] timeout must be a number finite",
        ),
    ],
)
def test_a_number_below_its_lowest_value_is_refused(edit: tuple[str, str], message: str) -> None:
    text = MINIMAL.replace(*edit)
    assert text != MINIMAL
    with pytest.raises(MutationError, match=message):
        parse_settings(text)


def test_each_bound_of_a_number_is_itself_allowed() -> None:
    text = MINIMAL.replace('"pkg/a.py" = 85', '"pkg/a.py" = 0').replace(
        '"pkg/sub/b.py" = 92.5', '"pkg/sub/b.py" = 100'
    )
    text = text.replace("timeout-factor = 5", "timeout-factor = 1")
    text = text.replace("min-timeout = 10.5", "min-timeout = 1")
    text = text.replace("test-budget = 2.5", "test-budget = 0")
    settings = parse_settings(text.replace("timeout = 900", "timeout = 1"))
    assert settings.min_scores == {"pkg/a.py": 0.0, "pkg/sub/b.py": 100.0}
    assert (settings.timeout, settings.timeout_factor, settings.min_timeout) == (1.0, 1.0, 1.0)
    assert settings.test_budget == 0.0


def test_settings_cannot_be_changed_once_read() -> None:
    settings = parse_settings(MINIMAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.timeout = 1.0  # pyright: ignore[reportAttributeAccessIssue]
    assert settings.timeout == 900.0


def test_a_table_under_a_value_that_is_no_table_is_missing() -> None:
    with pytest.raises(MutationError) as missing:
        parse_settings('tool = { cosmic-ray = {}, ml_playground = "not a table" }')
    assert str(missing.value) == "pyproject.toml has no [tool.ml_playground.mutation] table"


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(MutationError, match=r"missing.toml: cannot read \(\[Errno 2\]"):
        load_settings(tmp_path / "missing.toml")
    (tmp_path / "latin1.toml").write_bytes(b"# caf\xe9\n")
    with pytest.raises(MutationError, match=r"latin1.toml: cannot read \('utf-8' codec"):
        load_settings(tmp_path / "latin1.toml")
    (tmp_path / "pyproject.toml").write_text(MINIMAL, encoding="utf-8")
    assert load_settings(tmp_path / "pyproject.toml") == parse_settings(MINIMAL)


def test_targets_are_the_python_files_under_the_packages_minus_the_excluded() -> None:
    settings = parse_settings(MINIMAL)
    files = [
        "tools/t.py",
        "pkg/sub/b.py",
        "pkg/a.py",
        "pkg/generated.py",
        "pkg/data.json",
        "pkgx/c.py",
        "tests/pkg/test_a.py",
        "setup.py",
    ]
    assert settings.targets(files) == ["pkg/a.py", "pkg/sub/b.py", "tools/t.py"]


def test_a_module_without_its_own_minimum_has_the_default() -> None:
    settings = parse_settings(MINIMAL)
    assert settings.min_score("pkg/sub/b.py") == 92.5
    assert settings.min_score("pkg/a.py") == 85.0
    assert settings.min_score("tools/t.py") == 90.0


MODULES = ["pkg/calc.py", "pkg/io/files.py", "pkg/other/files.py"]


def test_modules_are_selected_by_path_dotted_name_or_stem_in_their_own_order() -> None:
    assert select(MODULES, None) == MODULES
    assert select(MODULES, []) == MODULES
    assert select(MODULES, ["pkg/other/files.py", "calc"]) == ["pkg/calc.py", "pkg/other/files.py"]
    assert select(MODULES, ["pkg.io.files", "pkg/io/files.py"]) == ["pkg/io/files.py"]


def test_a_name_that_selects_no_module_or_several_is_refused() -> None:
    with pytest.raises(MutationError) as none:
        select(MODULES, ["calc", "pkg/calc"])
    assert str(none.value) == "no mutation target matches 'pkg/calc'"
    with pytest.raises(MutationError) as several:
        select(MODULES, ["files"])
    assert str(several.value) == "more than one mutation target matches 'files'"


def test_the_test_command_runs_the_client_with_the_pytest_args_after_dashes(
    tmp_path: Path,
) -> None:
    settings = parse_settings(MINIMAL)
    client = tmp_path / "client.py"
    pristine = tmp_path / "the pristine copy"
    map_dir = tmp_path / "map's dir"

    command = command_of(settings, client, pristine, map_dir)

    assert shlex.split(command) == [
        "env",
        "OMP_NUM_THREADS=1",
        "CUDA_VISIBLE_DEVICES=",
        "python",
        "-S",
        str(client),
        "--pristine",
        str(pristine),
        "--map",
        str(map_dir),
        "--timeout-factor",
        "5.0",
        "--min-timeout",
        "10.5",
        "--budget",
        "2.5",
        "--",
        "-q",
        "-p",
        "no:cacheprovider",
        "-k",
        "not slow",
    ]


def test_the_cosmic_ray_config_is_toml_with_the_modules_workers_and_command() -> None:
    settings = parse_settings(MINIMAL)
    command = 'env A="x y" python -S client.py -- -k "not slow"'

    text = cosmic_ray_config(
        settings,
        ["pkg/a.py", "pkg/sub/b.py"],
        command=command,
        worker_urls=["http://127.0.0.1:4001", "http://127.0.0.1:4002"],
    )

    assert tomllib.loads(text) == {
        "cosmic-ray": {
            "module-path": ["pkg/a.py", "pkg/sub/b.py"],
            "timeout": 900.0,
            "excluded-modules": [],
            "test-command": command,
            "distributor": {
                "name": "http",
                "http": {"worker-urls": ["http://127.0.0.1:4001", "http://127.0.0.1:4002"]},
            },
            "filters": {
                "operators-filter": {
                    "exclude-operators": [
                        "core/ReplaceBinaryOperator_(?!(Add_Sub)$)",
                        "core/NumberReplacer",
                    ]
                }
            },
        }
    }


def test_the_cosmic_ray_config_takes_its_settings_and_modules_by_name_too() -> None:
    settings = parse_settings(MINIMAL)
    by_name = cosmic_ray_config(
        settings=settings, modules=["pkg/a.py"], command="true", worker_urls=[]
    )
    assert by_name == cosmic_ray_config(settings, ["pkg/a.py"], command="true", worker_urls=[])
    assert tomllib.loads(by_name)["cosmic-ray"]["module-path"] == ["pkg/a.py"]


def test_the_git_filter_is_configured_only_with_since() -> None:
    settings = parse_settings(MINIMAL)
    text = cosmic_ray_config(
        settings, ["pkg/a.py"], command="true", worker_urls=[], since='origin/"main"'
    )
    filters = tomllib.loads(text)["cosmic-ray"]["filters"]
    assert filters["git-filter"] == {"branch": 'origin/"main"'}
    assert set(filters) == {"operators-filter", "git-filter"}
