"""The command line of the load and fault test: `python -m tests.load`, run by `make load`."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bot.simulate.traffic import CAMPAIGN_DAYS, MIN_STAFF
from tests.benchmarks.harness import REPORT_PATH
from tests.load.report import render, verdict, write_section
from tests.load.run import LoadOptions, print_progress, run_load


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not a number above 0") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a number above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the command's options."""
    defaults = LoadOptions()
    parser = argparse.ArgumentParser(
        prog="python -m tests.load",
        description=(
            "Run the bot in two processes on PostgreSQL behind a proxy, send a 20-day "
            "campaign's traffic, kill one process in the middle, and check what was stored "
            "and sent. Writes its table to docs/benchmarks.md."
        ),
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=defaults.speed,
        help=f"times real speed (default {defaults.speed:g}, 20 days in 4.8 hours; "
        "1440 runs them in 20 minutes)",
    )
    parser.add_argument(
        "--staff",
        type=int,
        default=defaults.staff,
        help=f"staff in the organisation, at least {MIN_STAFF} (default {defaults.staff})",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the traffic plan")
    parser.add_argument(
        "--kill-at-day",
        type=float,
        default=defaults.kill_at_day,
        help=f"campaign day, from 1 to {CAMPAIGN_DAYS + 1}, at which process 2 is killed "
        f"(default {defaults.kill_at_day})",
    )
    parser.add_argument("--no-kill", action="store_true", help="run without killing a process")
    parser.add_argument(
        "--restart-after",
        type=_positive,
        default=defaults.restart_after_seconds,
        help="seconds before the killed process starts again "
        f"(default {defaults.restart_after_seconds:g})",
    )
    parser.add_argument(
        "--settle-timeout",
        type=_positive,
        default=defaults.settle_seconds,
        help=f"seconds allowed after the campaign's end for the close and the outbox "
        f"(default {defaults.settle_seconds:g})",
    )
    parser.add_argument(
        "--outbox-rate",
        type=_positive,
        default=defaults.outbox_rate,
        help=f"direct messages each process sends per second (default {defaults.outbox_rate:g})",
    )
    parser.add_argument(
        "--report", type=Path, default=REPORT_PATH, help="the Markdown file to write"
    )
    parser.add_argument(
        "--no-report", action="store_true", help="print the table only, without writing the file"
    )
    return parser


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    # Raised in the main thread, so the run stops its processes and drops its database.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test from the command line; return 0 when every check passed."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    if args.staff < MIN_STAFF:
        print(f"python -m tests.load: --staff must be at least {MIN_STAFF}", file=sys.stderr)
        return 2
    if not args.no_kill and not 1 <= args.kill_at_day <= CAMPAIGN_DAYS + 1:
        print(
            f"python -m tests.load: --kill-at-day must be from 1 to {CAMPAIGN_DAYS + 1}",
            file=sys.stderr,
        )
        return 2
    options = LoadOptions(
        speed=args.speed,
        staff=args.staff,
        seed=args.seed,
        kill_at_day=None if args.no_kill else args.kill_at_day,
        restart_after_seconds=args.restart_after,
        settle_seconds=args.settle_timeout,
        outbox_rate=args.outbox_rate,
    )
    hours = options.campaign_seconds() / 3600
    print_progress(
        f"{CAMPAIGN_DAYS} days at {options.speed:g} times real speed take about "
        f"{hours:.1f} hours ({options.campaign_seconds() / 60:.0f} minutes), plus the start "
        "and the close"
    )
    signal.signal(signal.SIGTERM, _interrupt)
    command = " ".join(["python -m tests.load", *arguments])
    when = datetime.now(UTC)
    result = run_load(options, progress=print_progress)
    section = render(result)
    width = max((len(row.name) for row in result.rows), default=10)
    print()
    for row in result.rows:
        print(f"{row.name:<{width}}  {verdict(row.ok):<7} {row.result}")
    for problem in result.problems:
        print(f"Run stopped early: {problem}")
    print(f"\nResult: {'OK' if result.passed else 'FAILED'}")
    if not args.no_report:
        write_section(args.report, section, when=when, command=command)
        print_progress(f"Wrote the load section of {args.report}")
    return 0 if result.passed else 1
