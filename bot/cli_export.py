"""The `staffvoice export` command: write a campaign's ideas, comments and participation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.export import FORMATS, export_campaign
from storage.database import Database
from storage.migrate import upgrade


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the export command to the staffvoice parser's subcommands."""
    export = commands.add_parser(
        "export",
        help="write a campaign's ideas, comments, participation by group and daily activity",
    )
    export.add_argument("--campaign", type=int, required=True, metavar="ID", help="campaign ID")
    export.add_argument(
        "--format",
        choices=FORMATS,
        required=True,
        help="csv: one UTF-8 file per table; xlsx: one workbook with a sheet per table",
    )
    export.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write the files in"
    )
    export.add_argument("--force", action="store_true", help="replace files that exist")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the export command; errors are raised for the CLI's handler to print."""
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        result = export_campaign(
            db,
            args.campaign,
            export_format=args.format,
            out_dir=args.out,
            timezone=settings.timezone,
            now=SystemClock().now(),
            min_group_size=settings.staffvoice_min_group_size,
            actor="cli",
            force=args.force,
            progress=_print_progress,
        )
    finally:
        db.dispose()
    counts = ", ".join(f"{name} {count:,}" for name, count in result.row_counts.items())
    print(f"Exported campaign {result.campaign_id} (rows: {counts}):")
    for path in result.paths:
        print(f"  {path}")
    return 0


def _print_progress(title: str, written: int, total: int) -> None:
    print(f"{title}: {written:,} of {total:,} rows", file=sys.stderr, flush=True)
