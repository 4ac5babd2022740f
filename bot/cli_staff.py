"""`staffvoice staff`: import the staff list, match it to Slack accounts, and summarise it."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, Settings
from bot.core import directory, staff_matching
from bot.core.clock import SystemClock
from bot.core.participation_records import NOT_RECORDED, OTHER_GROUPS
from bot.core.staff_csv import FIELDS, HEADER_ALIASES, RejectedRow, parse_column_options
from storage.database import Database
from storage.migrate import upgrade

MATCH_STATE_LABELS = {
    "matched": "matched by email",
    "column": "matched by the Slack ID column",
    "not_found": "not found in Slack",
    "pending": "still to look up",
}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `staff` command and its actions to the CLI's subcommands."""
    staff = commands.add_parser(
        "staff", help="import the staff list, match it to Slack accounts, and summarise it"
    )
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")

    aliases = "; ".join(f"{field}: {', '.join(names)}" for field, names in HEADER_ALIASES.items())
    load = actions.add_parser(
        "import",
        help="load the staff list CSV (UTF-8 or Windows-1252), all or nothing",
        description="Load the staff list, one row a person. Accepted column headers, "
        f"compared ignoring case, spaces, underscores and hyphens: {aliases}.",
    )
    load.add_argument("file", metavar="FILE.csv", type=Path, help="the staff list as CSV")
    load.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help=f"read FIELD from the column headed HEADER; FIELD is one of {', '.join(FIELDS)}",
    )
    load.add_argument(
        "--dry-run", action="store_true", help="show what would change, and change nothing"
    )
    load.add_argument(
        "--allow-mass-leave",
        action="store_true",
        help="import even when no row is valid or more than half the staff would be marked left",
    )
    load.add_argument(
        "--rejects", metavar="FILE", type=Path, help="write every rejected row to FILE as CSV"
    )
    load.add_argument(
        "--match",
        action="store_true",
        help="look up the new and changed people in Slack after the import (needs SLACK_BOT_TOKEN)",
    )

    match = actions.add_parser(
        "match",
        help="look up staff waiting for a Slack account by email, about 50 a minute; "
        "resumable (needs SLACK_BOT_TOKEN)",
    )
    match.add_argument(
        "--limit", type=int, metavar="N", help="stop after N lookups (default: all pending)"
    )

    actions.add_parser(
        "summary", help="show headcounts by directorate, band, staff group and locality"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run a `staff` action and return the exit code."""
    if args.staff_command == "import":
        column_options = parse_column_options(args.column)
        if args.match and settings.slack_bot_token is None and not args.dry_run:
            raise ConfigError("--match looks people up in Slack: set SLACK_BOT_TOKEN")
        db = _open_database(settings)
        try:
            code = _import(db, args, column_options=column_options)
            if code == 0 and args.match and not args.dry_run:
                code = _match(db, settings, limit=None)
            return code
        finally:
            db.dispose()
    if args.staff_command == "match":
        if settings.slack_bot_token is None:
            raise ConfigError("staff match looks people up in Slack: set SLACK_BOT_TOKEN")
        if args.limit is not None and args.limit < 1:
            raise ConfigError("--limit must be 1 or more")
        db = _open_database(settings)
        try:
            return _match(db, settings, limit=args.limit)
        finally:
            db.dispose()
    db = _open_database(settings)
    try:
        return _summary(db, settings)
    finally:
        db.dispose()


def _open_database(settings: Settings) -> Database:
    upgrade(settings.database_url)
    return Database(settings.database_url)


def _progress(label: str) -> Callable[[int], None]:
    def report(count: int) -> None:
        print(f"{label} {count:,}", file=sys.stderr, flush=True)

    return report


def _import(db: Database, args: argparse.Namespace, *, column_options: dict[str, str]) -> int:
    with ExitStack() as stack:
        on_rejected: Callable[[RejectedRow], None] | None = None
        if args.rejects is not None:
            handle: TextIO = stack.enter_context(
                args.rejects.open("w", encoding="utf-8", newline="")
            )
            writer = csv.writer(handle)
            writer.writerow(["line", "email", "reason"])

            def on_rejected(row: RejectedRow) -> None:
                writer.writerow([row.line, row.email, row.reason])

        try:
            result = directory.import_staff(
                db,
                args.file,
                now=SystemClock().now(),
                column_options=column_options,
                dry_run=args.dry_run,
                allow_mass_leave=args.allow_mass_leave,
                on_progress=_progress("Rows read:"),
                on_rejected=on_rejected,
            )
        except directory.ImportRefused as refusal:
            _print_result(refusal.result, rejects=args.rejects)
            print(f"staffvoice: {refusal.user_message}", file=sys.stderr)
            return 1
    _print_result(result, rejects=args.rejects)
    return 0


def _print_result(result: directory.ImportResult, *, rejects: Path | None) -> None:
    encoding = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252"}
    heading = "Dry run, nothing changed" if result.dry_run else "Imported"
    print(
        f"{heading}: {result.file_name}, read as {encoding[result.encoding]}, "
        f"{result.rows_read:,} rows."
    )
    if result.ignored_columns:
        print("Columns ignored: " + ", ".join(repr(name) for name in result.ignored_columns))
    returned = f" ({result.returned:,} listed again after leaving)" if result.returned else ""
    print(f"  added      {result.added:>8,}")
    print(f"  updated    {result.updated:>8,}{returned}")
    print(f"  left       {result.left:>8,}")
    print(f"  unchanged  {result.unchanged:>8,}")
    print(f"  rejected   {result.rejected:>8,}")
    if not result.rejected:
        return
    print("Rejected rows:")
    for row in result.rejected_rows:
        email = f" {row.email}" if row.email else ""
        print(f"  line {row.line}{email}: {row.reason}")
    more = result.rejected - len(result.rejected_rows)
    if more and rejects is None:
        print(f"  and {more:,} more; add --rejects FILE to write them all to a CSV file.")
    elif more:
        print(f"  and {more:,} more.")
    if rejects is not None:
        print(f"Every rejected row is in {rejects}.")


def _match(db: Database, settings: Settings, *, limit: int | None) -> int:
    from handlers.staff_lookup import SlackEmailLookup

    assert settings.slack_bot_token is not None
    lookup = SlackEmailLookup.create(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    result = staff_matching.match_pending(
        db,
        lookup,
        clock=SystemClock(),
        limit=limit,
        on_progress=lambda done, matched: print(
            f"Looked up {done:,}: {matched:,} matched", file=sys.stderr, flush=True
        ),
    )
    print(
        f"Looked up {result.looked_up:,} people: {result.matched:,} matched, "
        f"{result.not_found:,} not found in Slack, {result.pending:,} still to look up."
    )
    if result.stopped_reason:
        print(f"staffvoice: {result.stopped_reason}", file=sys.stderr)
        return 1
    if result.pending:
        print("Run `staffvoice staff match` again to continue with them.")
    return 0


def _summary(db: Database, settings: Settings) -> int:
    summary = directory.summarise_directory(db, min_group_size=settings.staffvoice_min_group_size)
    if summary.headcount == 0:
        print("The staff list is empty. Load it with: staffvoice staff import FILE.csv")
        return 0
    print(f"Current staff: {summary.headcount:,}")
    print(
        f"Groups of fewer than {summary.min_group_size} people are counted in "
        f'"{OTHER_GROUPS}"; "{NOT_RECORDED}" means the staff list left the value blank.'
    )
    for label, groups in summary.dimensions.values():
        print(f"\n{label}")
        for group in groups:
            print(f"  {group.headcount:>8,}  {group.name}")
    print("\nSlack accounts")
    for state, text in MATCH_STATE_LABELS.items():
        print(f"  {summary.matches.get(state, 0):>8,}  {text}")
    return 0
