"""The ``axionlike`` command line: demo, run, cache, runs, scorecard, compare, agreement."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from axionlike._exceptions import AxionlikeError, ConfigurationError

if TYPE_CHECKING:
    from axionlike.results import EvaluationResult


def _demo_command(args: argparse.Namespace) -> int:
    from axionlike.cli._demo import run_demo

    result = run_demo(show_progress=not args.quiet)  # the runner prints its scorecard summary
    if args.output:
        print(f"result written to {result.save(args.output)}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from axionlike.cli._run_file import read_config_file
    from axionlike.runners import EvaluationRunner

    config, output = read_config_file(args.config)
    if args.quiet:
        config = config.model_copy(update={"show_progress": False})
    result = EvaluationRunner(config).run()  # the runner prints its scorecard summary
    output = Path(args.output) if args.output else output or Path(f"{config.evaluation_name}.json")
    print(f"result written to {result.save(output)}")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from axionlike.cache import DiskStore

    if not Path(args.directory).is_dir():
        print(f"no cache directory at {args.directory}", file=sys.stderr)
        return 1
    if args.action == "clear":
        removed = DiskStore.clear_directory(args.directory)
        if removed is None:
            print(f"removed the damaged cache in {args.directory} (its entries could not be counted)")
        else:
            print(f"removed {removed} entries from {args.directory}")
        return 0
    problems = DiskStore.check(args.directory)
    if problems:
        print(
            f"{args.directory}: damaged ({'; '.join(problems[:3])}); "
            f"clear it with `axionlike cache clear {args.directory}`",
            file=sys.stderr,
        )
        return 1
    store = DiskStore(args.directory, read_only=True)
    try:
        print(f"{args.directory}: {len(store)} entries, {store.volume() / 1e6:.2f} MB, integrity ok")
    finally:
        store.close()
    return 0


def _runs(args: argparse.Namespace) -> int:
    from axionlike.integrations.experiments import list_runs_text, show_run_text

    if args.action == "show" and not args.name:
        print("error: 'runs show' needs a run name", file=sys.stderr)
        return 2
    lines = list_runs_text(args.results_dir) if args.action == "list" else show_run_text(args.results_dir, args.name)
    print("\n".join(lines))
    return 0


def _load_result(path: str) -> EvaluationResult:
    """A saved result; a missing file or one that is not a saved result is a one-line error."""
    from pydantic import ValidationError

    from axionlike.results import EvaluationResult

    try:
        return EvaluationResult.load(path)
    except FileNotFoundError:
        raise ConfigurationError(f"no result file at {path}") from None
    except ValidationError as exc:  # JSON, but not what EvaluationResult.save() writes
        missing = sorted({str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]})
        detail = f"missing {', '.join(missing)}" if missing else (exc.errors()[0]["msg"] if exc.errors() else "")
        raise ConfigurationError(
            f"{path} is not a result saved by axionlike ({detail}); expected the JSON file "
            "that `axionlike run` or EvaluationResult.save() writes"
        ) from None
    except (OSError, ValueError) as exc:  # unreadable, not JSON, JSON Lines
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigurationError(f"cannot read {path} as a result JSON file: {reason}") from None


def _scorecard(args: argparse.Namespace) -> int:
    from rich.console import Console

    card = _load_result(args.result).to_scorecard()
    Console().print(card)
    if args.html:
        print(f"scorecard written to {card.save(args.html)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from rich.console import Console

    baseline, current = _load_result(args.baseline), _load_result(args.current)
    comparison = current.compare(baseline, confidence=args.confidence, seed=args.seed)
    Console().print(comparison)
    if args.html:
        print(f"comparison written to {comparison.save(args.html)}")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from rich.console import Console

    from axionlike.results import judge_agreement

    report = judge_agreement(
        _load_result(args.result),
        args.metric,
        label=args.label,
        kind=args.kind,
        confidence=args.confidence,
        seed=args.seed,
    )
    Console().print(report)
    return 0


def _confidence(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from axionlike import __version__

    parser = argparse.ArgumentParser(prog="axionlike", description="Evaluation experiments for LLM applications.")
    parser.add_argument("--version", action="version", version=f"axionlike {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the built-in offline demo evaluation")
    demo.add_argument("--output", help="also save the result to this JSON file")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=_demo_command)

    run = commands.add_parser("run", help="run the evaluation a YAML or JSON file describes")
    run.add_argument("config", help="path to the config file")
    run.add_argument("--output", help="result file (default: the config's 'output', or NAME.json)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_run)

    cache = commands.add_parser("cache", help="inspect or clear a disk cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("directory")
    cache.set_defaults(handler=_cache)

    runs = commands.add_parser("runs", help="list or show the runs stored by the pytest plugin")
    runs.add_argument("action", choices=["list", "show"])
    runs.add_argument("name", nargs="?", help="the run (experiment) to show")
    runs.add_argument("--results-dir", default=".axionlike", help="where runs are stored (default: .axionlike)")
    runs.set_defaults(handler=_runs)
    scorecard = commands.add_parser("scorecard", help="show the scorecard of a saved result")
    scorecard.add_argument("result", help="a result JSON file")
    scorecard.add_argument("--html", help="also write the scorecard as a standalone HTML page")
    scorecard.set_defaults(handler=_scorecard)

    compare = commands.add_parser("compare", help="compare two saved results, metric by metric")
    compare.add_argument("baseline", help="the baseline result JSON file (A)")
    compare.add_argument("current", help="the result JSON file to compare with it (B)")
    compare.add_argument("--html", help="also write the comparison as a standalone HTML page")
    compare.add_argument("--confidence", type=_confidence, default=0.95, help="bootstrap interval level (default 0.95)")
    compare.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    compare.set_defaults(handler=_compare)

    agreement = commands.add_parser("agreement", help="how well a metric agrees with human labels in a saved result")
    agreement.add_argument("result", help="a result JSON file whose items carry a label")
    agreement.add_argument("--metric", required=True, help="the metric (or judge) to validate")
    agreement.add_argument("--label", default="human_label", help="the item field with the label (default human_label)")
    agreement.add_argument(
        "--kind",
        choices=["auto", "binary", "categorical", "continuous"],
        default="auto",
        help="default: from the labels",
    )
    agreement.add_argument(
        "--confidence", type=_confidence, default=0.95, help="bootstrap interval level (default 0.95)"
    )
    agreement.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    agreement.set_defaults(handler=_agreement)
    for subparser in commands.choices.values():
        subparser.set_defaults(subparser=subparser)  # so an unknown flag is reported with its usage
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments; one a subcommand does not know is reported with that subcommand's usage."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        args.subparser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        status: int = args.handler(args)
    except AxionlikeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C: one line (an interrupted run says what it kept), the shell's 130
        print(str(exc) or "interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
