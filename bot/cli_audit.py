"""The `staffvoice audit` command: list the audit log, newest first."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time

from bot.config import Settings
from bot.core import audit
from bot.core.schedule import format_local
from storage.database import Database
from storage.migrate import upgrade

DEFAULT_LIMIT = 100


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the audit command to the staffvoice parser's subcommands."""
    parser = commands.add_parser(
        "audit", help="list role changes, exports, moderation and erasures, newest first"
    )
    parser.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="only entries from this local date on, in STAFFVOICE_TIMEZONE",
    )
    parser.add_argument("--action", help="only this action, such as role_grant or export")
    parser.add_argument(
        "--actor", metavar="ID", help='only this actor: a user ID, "cli" or "scheduler"'
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N entries, 1 to {audit.MAX_LIST_LIMIT:,} (default {DEFAULT_LIMIT})",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array for scripts")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """List the audit log as a table or JSON; errors are raised for the CLI's handler to print."""
    since = None
    if args.since is not None:
        since = datetime.combine(args.since, time(), tzinfo=settings.timezone)
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        entries = audit.list_audit(
            db, since=since, action=args.action, actor=args.actor, limit=args.limit
        )
    finally:
        db.dispose()
    if args.json:
        rows = [
            {
                "id": entry.id,
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "detail": entry.detail,
            }
            for entry in entries
        ]
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    if not entries:
        print("No audit entries match.")
        return 0
    print(f"{'AT':<20}  {'ACTOR':<14}  {'ACTION':<16}  {'SUBJECT':<20}  DETAIL")
    for entry in entries:
        detail = ", ".join(f"{key} {value}" for key, value in entry.detail.items())
        print(
            f"{format_local(entry.at, settings.timezone):<20}  {entry.actor:<14}  "
            f"{entry.action:<16}  {entry.subject:<20}  {detail}"
        )
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD, such as 2027-01-31"
        ) from None
