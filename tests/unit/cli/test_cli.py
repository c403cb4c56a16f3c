from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from ml_playground.cli import main, package_version

pytestmark = pytest.mark.unit


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_version_comes_from_the_distribution_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"ml-playground {package_version()}"
    assert package_version()[0].isdigit()


def test_help_and_version_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from ml_playground import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("False")


def test_experiments_lists_the_packaged_ones() -> None:
    assert run_cli("experiments") == (0, "shakespeare_char\nstdlib_char\n", "")


def test_missing_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_unknown_experiment_exits_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = run_cli("prepare", "nope")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ml-playground: error: unknown experiment 'nope'; expected one of:")


def test_config_error_names_file_key_and_expectation(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[train.runtime]\neval_iters = 0\n", encoding="utf-8")
    code, _, err = run_cli("train", "--exp-config", str(config))
    assert code == 2
    assert err == (
        f"ml-playground: error: {config}: train.runtime.eval_iters: expected a value >= 1, got 0\n"
    )


def test_sample_without_a_checkpoint_is_a_runtime_failure(tiny_experiment: Path) -> None:
    code, _, err = run_cli("prepare", "--exp-config", str(tiny_experiment))
    assert code == 0
    assert "prepared" in err
    code, out, err = run_cli("sample", "--exp-config", str(tiny_experiment))
    assert code == 1
    assert out == ""
    assert err.startswith("ml-playground: error: no checkpoint in ")
    assert "run `ml-playground train` first" in err


def test_train_without_prepared_data_says_what_to_run(tiny_experiment: Path) -> None:
    code, _, err = run_cli("train", "--exp-config", str(tiny_experiment))
    assert code == 1
    assert "ml-playground prepare" in err
    assert err.count("\n") == 1


def test_start_text_outside_the_vocabulary_is_a_usage_error(tiny_experiment: Path) -> None:
    assert run_cli("loop", "--exp-config", str(tiny_experiment))[0] == 0
    text = tiny_experiment.read_text(encoding="utf-8")
    tiny_experiment.write_text(
        text.replace('start = "def "', 'start = "\\u2603"'), encoding="utf-8"
    )
    code, _, err = run_cli("sample", "--exp-config", str(tiny_experiment))
    assert code == 2
    assert "'☃'" in err
    assert err.count("\n") == 1
