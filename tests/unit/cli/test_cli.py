"""The command line in process: arguments, exit codes and one-line errors."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ml_playground.cli import Interrupted, StopRequest, main, package_version

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


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_neither_torch_nor_the_optional_libraries(option: str) -> None:
    code = (
        "import sys\n"
        "from ml_playground import cli\n"
        f"try:\n    cli.main([{option!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted({'torch', 'matplotlib', 'tokenizers'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_help_shows_an_example_of_each_control(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for example in (
        "loop stdlib_bpe",
        "train --set train.optim.learning_rate=3e-4",
        "train --fresh",
        "train --from best",
        "train --eval-only",
        "sample --from ",
        "report stdlib_char",
    ):
        assert f"  ml-playground {example}" in shown


def test_experiments_lists_the_packaged_ones() -> None:
    assert run_cli("experiments") == (0, "shakespeare_char\nstdlib_bpe\nstdlib_char\n", "")


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


def test_sample_refuses_data_that_other_prepare_settings_made(tiny_experiment: Path) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0

    code, out, err = run_cli(
        "sample", "--exp-config", str(tiny_experiment), "--set", "prepare.val_fraction=0.2"
    )

    assert (code, out) == (2, "")
    assert err == (
        f"ml-playground: error: the data in {tiny_experiment.parent / 'data'} was prepared with"
        " other [prepare] settings (prepare.val_fraction 0.1 != 0.2); `ml-playground prepare"
        f" --exp-config {tiny_experiment} --set=prepare.val_fraction=0.2` prepares it again\n"
    )


def test_a_failed_training_gives_back_the_signal_handlers_it_found(
    tiny_experiment: Path,
) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0
    (tiny_experiment.parent / "run").write_text("not a directory", encoding="utf-8")
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    code, _, err = run_cli("train", "--exp-config", str(tiny_experiment))

    assert code == 1
    assert err.startswith("ml-playground: error: cannot write the run's files in ")
    assert {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)} == before


def test_training_ends_with_where_it_got_and_a_second_run_finds_it_done(
    tiny_experiment: Path,
) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0
    one_iteration = ("--exp-config", str(tiny_experiment), "--set", "train.runtime.max_iters=1")
    checkpoint = tiny_experiment.parent / "run" / "checkpoints" / "last_00000001.pt"

    first = run_cli("train", *one_iteration)
    again = run_cli("train", *one_iteration)

    assert first[0] == again[0] == 0
    first_end = first[2].splitlines()[-1]
    where = re.escape(f"; checkpoint {checkpoint}")
    assert re.fullmatch(rf"trained to iteration 1, best val loss \d+\.\d{{4}}{where}", first_end)
    best = first_end.split(", best val loss ")[1].split(";")[0]
    assert again[2].splitlines()[-1] == f"already trained to iteration 1, best val loss {best}"


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


def test_a_source_tree_without_installed_metadata_reports_an_unknown_version() -> None:
    assert package_version("ml-playground-not-installed") == "0+unknown"


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        (signal.SIGINT, signal.SIGINT, 130),
        (signal.SIGTERM, signal.SIGTERM, 143),
        (signal.SIGTERM, signal.SIGINT, 130),
    ],
)
def test_the_first_signal_asks_to_stop_and_the_second_aborts(
    first: signal.Signals, second: signal.Signals, code: int
) -> None:
    notes: list[str] = []
    stop = StopRequest(notes.append)
    assert not stop()
    assert stop.exit_code == 130

    stop.handle(first, None)
    assert stop()
    assert stop.exit_code == 128 + first
    assert notes == [
        f"{first.name}: stopping after this iteration; a last checkpoint will be saved"
    ]
    with pytest.raises(Interrupted) as aborted:
        stop.handle(second, None)
    assert aborted.value.exit_code == code
    assert len(notes) == 1


class AbortingStream(io.StringIO):
    """An output stream whose writer is aborted by a second SIGTERM."""

    def write(self, s: str) -> int:
        raise Interrupted(signal.SIGTERM)


def test_an_aborting_second_signal_exits_with_its_code_and_one_line() -> None:
    err = io.StringIO()
    assert main(["experiments"], stdout=AbortingStream(), stderr=err) == 143
    assert err.getvalue() == "ml-playground: SIGTERM: aborted\n"


@pytest.mark.parametrize("command", ["prepare", "sample", "loop"])
def test_under_torchrun_only_train_runs(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    code, out, err = run_cli(command)
    assert (code, out) == (2, "")
    assert err == (
        "ml-playground: error: under torchrun only `train` runs; run `ml-playground prepare`"
        " before and `ml-playground sample` after it\n"
    )


class InterruptedStream(io.StringIO):
    """An output stream whose writer is interrupted by Ctrl-C."""

    def write(self, s: str) -> int:
        raise KeyboardInterrupt


def test_ctrl_c_outside_training_exits_130_with_one_line() -> None:
    err = io.StringIO()
    assert main(["experiments"], stdout=InterruptedStream(), stderr=err) == 130
    assert err.getvalue() == "ml-playground: interrupted\n"


def test_an_empty_start_text_is_a_usage_error(tiny_experiment: Path) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0
    text = tiny_experiment.read_text(encoding="utf-8")
    tiny_experiment.write_text(text.replace('start = "def "', 'start = ""'), encoding="utf-8")
    assert run_cli("sample", "--exp-config", str(tiny_experiment)) == (
        2,
        "",
        "ml-playground: error: sample.start: expected a non-empty start text\n",
    )


def test_an_unreadable_start_file_is_a_usage_error(tiny_experiment: Path) -> None:
    assert run_cli("prepare", "--exp-config", str(tiny_experiment))[0] == 0
    text = tiny_experiment.read_text(encoding="utf-8")
    tiny_experiment.write_text(
        text.replace('start = "def "', 'start = "FILE:prompt.txt"'), encoding="utf-8"
    )
    code, out, err = run_cli("sample", "--exp-config", str(tiny_experiment))
    missing = tiny_experiment.parent / "prompt.txt"
    assert (code, out) == (2, "")
    assert err.startswith(f"ml-playground: error: sample.start: cannot read start file {missing} (")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "extra",
    [("nope",), ("--exp-config", "exp.toml"), ("--set", "train.runtime.max_iters=1")],
)
def test_report_with_a_run_dir_takes_no_experiment_config_or_setting(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    assert run_cli("report", "--run-dir", str(tmp_path), *extra) == (
        2,
        "",
        "ml-playground: error: --run-dir names the run: give no EXPERIMENT, --exp-config or"
        " --set\n",
    )


@pytest.mark.parametrize("extra", [("--from", "best"), ("--eval-only",)])
def test_fresh_cannot_be_combined_with_from_or_eval_only(
    tiny_experiment: Path, extra: tuple[str, ...]
) -> None:
    assert run_cli("train", "--fresh", *extra, "--exp-config", str(tiny_experiment)) == (
        2,
        "",
        "ml-playground: error: --fresh starts over: it cannot be combined with --from or"
        " --eval-only\n",
    )
    assert not (tiny_experiment.parent / "run").exists()
