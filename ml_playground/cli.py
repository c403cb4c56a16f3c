"""The ``ml-playground`` command: prepare, train, sample, loop, report, experiments.

Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error (also: the plot extra
that ``report`` needs is missing), 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM,
as a scheduler preempts a job). Torch, tokenizers and matplotlib are imported only by the
commands that need them, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import TextIO

from ml_playground.configuration.loader import DEFAULT_EXPERIMENT, list_experiments, load_experiment
from ml_playground.configuration.models import ExperimentConfig
from ml_playground.core.errors import PlaygroundError, UsageError

EXAMPLES = """\
examples:
  ml-playground loop stdlib_bpe                  byte-level BPE tokens (also: word, char)
  ml-playground train --set train.optim.learning_rate=3e-4 --set train.runtime.device=cpu
  ml-playground train --fresh                    start over; the old run is moved aside
  ml-playground train --from best                resume from the best checkpoint
  ml-playground train --eval-only --from last    print train and val loss; save nothing
  ml-playground sample --from out/stdlib_char/checkpoints/last_00002000.pt
  ml-playground report stdlib_char               report.png; needs ml-playground[plot]

exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error,
  130 interrupted (SIGINT), 143 terminated (SIGTERM)
"""
EXIT_OK = 0  # failures take the exit_code of their PlaygroundError, signals 128 + their number
EXIT_INTERRUPTED = 128 + signal.SIGINT
PROG = "ml-playground"


def package_version(distribution: str = "ml-playground") -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train and sample small GPT models; offline by default.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    helps = {
        "prepare": "build train.bin, val.bin and meta.json (skipped when current)",
        "train": "train or resume the model; Ctrl-C (SIGTERM) saves a checkpoint, exits 130 (143)",
        "sample": "generate text from the best or latest checkpoint",
        "loop": "prepare, train, then sample",
        "report": "draw OUT_DIR/report.png (loss curves, learning rate; needs the plot extra)"
        " and print the evaluations",
    }
    for name, text in helps.items():
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "experiment",
            nargs="?",
            metavar="EXPERIMENT",
            help=f"packaged experiment name (default: {DEFAULT_EXPERIMENT})",
        )
        command.add_argument(
            "--exp-config",
            type=Path,
            metavar="PATH",
            help="experiment TOML merged over EXPERIMENT's config.toml (alone: replaces it)",
        )
        command.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="assignments",
            help="override one setting, e.g. --set train.optim.learning_rate=3e-4 (repeatable;"
            " VALUE is TOML, else a string; wins over files and environment)",
        )
        if name in ("train", "loop"):
            command.add_argument(
                "--fresh",
                action="store_true",
                help="start over: the previous run's checkpoints and metrics are moved to"
                " OUT_DIR/previous/<UTC time>, never deleted",
            )
        if name in ("train", "sample"):
            command.add_argument(
                "--from",
                dest="start_from",
                metavar="CHECKPOINT",
                help="best, last or a checkpoint file, e.g. --from best (default: train resumes"
                " the newest, sample takes train.runtime.read_policy); train moves later"
                " checkpoints aside",
            )
        if name == "train":
            command.add_argument(
                "--eval-only",
                action="store_true",
                help="print the train and val loss of the checkpoint (see --from); write nothing",
            )
        if name == "report":
            command.add_argument(
                "--run-dir",
                type=Path,
                metavar="DIR",
                help="the folder of metrics.jsonl (default: train.runtime.out_dir)",
            )
    commands.add_parser("experiments", help="list the packaged experiments")
    return parser


class Interrupted(KeyboardInterrupt):
    """A second signal during training: abort at once with that signal's exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = 128 + signum


class StopRequest:
    """The first Ctrl-C or SIGTERM asks training to stop after the current step; the second
    aborts."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        self.signum: int | None = None
        self.notify = notify

    def __call__(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise Interrupted(signum)
        self.signum = signum
        self.notify(
            f"{signal.Signals(signum).name}: stopping after this iteration;"
            " a last checkpoint will be saved"
        )


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "experiments":
        for name in list_experiments():
            stdout.write(name + "\n")
        return EXIT_OK
    if args.command != "train" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise UsageError(
            f"under torchrun only `train` runs; run `{PROG} prepare` before and"
            f" `{PROG} sample` after it"
        )
    if args.command == "report" and args.run_dir is not None:
        if args.experiment or args.exp_config or args.assignments:
            raise UsageError("--run-dir names the run: give no EXPERIMENT, --exp-config or --set")
        _report(args.run_dir, str(args.run_dir), stdout, stderr)
        return EXIT_OK
    config = load_experiment(
        args.experiment,
        args.exp_config,
        env=os.environ,
        cwd=Path.cwd(),
        assignments=args.assignments,
    )
    if args.command == "report":
        _report(config.train.runtime.out_dir, config.name, stdout, stderr)
        return EXIT_OK
    start_from: str | None = getattr(args, "start_from", None)
    if args.command == "train" and args.fresh and (start_from or args.eval_only):
        raise UsageError("--fresh starts over: it cannot be combined with --from or --eval-only")
    if args.command in ("prepare", "loop"):
        _prepare(config, stderr)
    if args.command in ("train", "sample", "loop"):
        _check_prepared(config, args)
    if args.command == "train" and args.eval_only:
        _evaluate(config, stdout, stderr, start_from)
        return EXIT_OK
    if args.command in ("train", "loop"):
        stopped = _train(config, stderr, fresh=args.fresh, start_from=start_from)
        if stopped is not None:
            return stopped
    if args.command in ("sample", "loop"):
        _sample(config, stdout, stderr, start_from)
    return EXIT_OK


def _prepare(config: ExperimentConfig, stderr: TextIO) -> None:
    from ml_playground.data_pipeline.prepare import prepare_dataset

    prepare_dataset(config.prepare, log=_line_writer(stderr))


def _check_prepared(config: ExperimentConfig, args: argparse.Namespace) -> None:
    """Refuse prepared data that the run's ``[prepare]`` would not make; ``sample`` needs no
    data (its checkpoint carries the tokenizer), so data that is not there is no refusal."""
    from ml_playground.data_pipeline.dataset_files import META_FILE, read_meta
    from ml_playground.data_pipeline.lineage import check_prepared

    if args.command == "sample" and not (config.prepare.data_dir / META_FILE).is_file():
        return
    command = [PROG, "prepare", *([args.experiment] if args.experiment else [])]
    if args.exp_config is not None:
        command += ["--exp-config", str(args.exp_config)]
    command += [f"--set={text}" for text in args.assignments]
    check_prepared(read_meta(config.prepare.data_dir).settings, config.prepare, shlex.join(command))


def _train(
    config: ExperimentConfig, stderr: TextIO, *, fresh: bool, start_from: str | None
) -> int | None:
    """The exit code of a signal that stopped training, or None when it ran to the end."""
    from ml_playground.training.distributed import process_group_from_env
    from ml_playground.training.progress import ProgressReporter
    from ml_playground.training.trainer import train

    group = process_group_from_env(os.environ)
    stream: TextIO = stderr if group.is_main else Path(os.devnull).open("w")  # noqa: SIM115
    reporter = ProgressReporter(stream, config.train.runtime.max_iters, interactive=stream.isatty())
    stop = StopRequest(reporter.message)
    previous = {sig: signal.signal(sig, stop.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        outcome = train(
            config,
            reporter=reporter,
            warn=reporter.message,
            should_stop=stop,
            group=group,
            fresh=fresh,
            start_from=start_from,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if stream is not stderr:
            stream.close()
    if group.is_main:
        where = f"; checkpoint {outcome.checkpoint}" if outcome.checkpoint else ""
        verb = "interrupted at" if outcome.interrupted else "trained to"
        if outcome.last_val_loss is None and not outcome.interrupted:
            verb = "already trained to"
        reporter.message(
            f"{verb} iteration {outcome.iterations}, best val loss {outcome.best_val_loss:.4f}"
            + where
        )
    return stop.exit_code if outcome.interrupted else None


def _evaluate(
    config: ExperimentConfig, stdout: TextIO, stderr: TextIO, start_from: str | None
) -> None:
    from ml_playground.training.trainer import evaluate_checkpoint

    result = evaluate_checkpoint(config, warn=_line_writer(stderr), start_from=start_from)
    losses = result.losses
    stdout.write(
        f"{result.checkpoint} (iteration {result.iteration}): train loss {losses['train']:.4f},"
        f" val loss {losses['val']:.4f}\n"
    )


def _sample(
    config: ExperimentConfig, stdout: TextIO, stderr: TextIO, start_from: str | None
) -> None:
    from ml_playground.sampling.runner import sample

    sample(config, warn=_line_writer(stderr), write=_line_writer(stdout), start_from=start_from)


def _report(out_dir: Path, title: str, stdout: TextIO, stderr: TextIO) -> None:
    from ml_playground.training.report import evaluation_table, read_records, series_of
    from ml_playground.training.report_plot import build_figure, write_png
    from ml_playground.training.run_files import metrics_path

    records = read_records(metrics_path(out_dir))
    figure = build_figure(series_of(records), title)
    target = out_dir / "report.png"
    write_png(figure, target)
    width, height = (round(v) for v in figure.get_size_inches() * figure.dpi)
    stdout.writelines(line + "\n" for line in evaluation_table(records))
    stderr.write(
        f"wrote {target} ({width}x{height} pixels: train loss, eval train and val loss against"
        " iteration; learning rate on the right axis)\n"
    )


def _line_writer(stream: TextIO) -> Callable[[str], None]:
    def write(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    return write


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return run(args, out, err)
    except PlaygroundError as exc:
        err.write(f"{PROG}: error: {exc}\n")
        return exc.exit_code
    except Interrupted as exc:
        err.write(f"{PROG}: {signal.Signals(exc.exit_code - 128).name}: aborted\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
