"""The `staffvoice participation` command: a participation report printed as tables."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    GroupParticipation,
    ParticipationReport,
)
from bot.core.participation_report import participation_report
from storage.database import Database
from storage.migrate import upgrade


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write it as YYYY-MM-DD, such as 2027-01-31"
        ) from None


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the participation command to the staffvoice parser's subcommands."""
    parser = commands.add_parser(
        "participation",
        help="print who took part in a campaign, a board or a date range, overall and by group",
    )
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--campaign", type=int, metavar="ID", help="campaign ID")
    scope.add_argument("--board", type=int, metavar="ID", help="Your Shout board ID")
    scope.add_argument(
        "--from",
        dest="starts_on",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first local date of a range, given with --to. Each person counts once",
    )
    parser.add_argument(
        "--to", dest="ends_on", type=_date, metavar="YYYY-MM-DD", help="last local date of a range"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report; errors are raised for the CLI's handler to print."""
    if (args.starts_on is None) != (args.ends_on is None):
        # argparse cannot tie --to to --from inside a mutually exclusive group.
        print(
            "staffvoice: give --from and --to together, such as --from 2027-01-01 --to 2027-01-31",
            file=sys.stderr,
        )
        return 2
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        report = participation_report(
            db,
            campaign_id=args.campaign,
            board_id=args.board,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            timezone=settings.timezone,
            now=SystemClock().now(),
            min_group_size=settings.staffvoice_min_group_size,
        )
    finally:
        db.dispose()
    print(format_report(report, timezone=settings.timezone))
    return 0


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Return a plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), line(["-" * width for width in widths]), *map(line, rows)]


def _group_row(group: GroupParticipation) -> list[str]:
    listed = group.participants - group.not_in_directory - group.offline
    headcount = "-" if group.name == NOT_IN_DIRECTORY else f"{group.headcount:,}"
    return [
        group.name,
        headcount,
        f"{listed:,}",
        f"{group.not_in_directory:,}",
        _percent(group.rate),
        f"{group.anonymous_ideas:,}",
        f"{group.offline:,}",
    ]


def format_report(report: ParticipationReport, *, timezone: ZoneInfo) -> str:
    """Return the report as text: totals, one table per dimension, and the daily trend."""
    lines = [
        f"Participation: {report.title}",
        f"Local dates {report.starts_on.isoformat()} to {report.ends_on.isoformat()}",
    ]
    if report.headcount is None:
        lines.append(
            "No staff list is loaded, so there are no headcounts or groups: "
            "load one with `staffvoice staff import FILE.csv`."
        )
    else:
        headcount_note = (
            f" (headcount as at {report.headcount_taken_at.astimezone(timezone):%Y-%m-%d %H:%M %Z})"
            if report.headcount_taken_at is not None
            else " (headcount from today's staff list)"
        )
        lines.append(
            f"Staff who took part: {report.participants_in_directory:,} of "
            f"{report.headcount:,} ({_percent(report.rate)}){headcount_note}"
        )
    outside = report.participants - report.participants_in_directory - report.offline_ideas
    lines += [
        f"People who took part: {report.participants:,}, of whom {outside:,} not on the staff "
        f"list and {report.offline_ideas:,} by an idea from paper or email",
        f"Posted ideas: {report.posted:,}   Commented: {report.commented:,}   "
        f"Only voted: {report.only_voted:,}",
        f"Anonymous ideas: {report.anonymous_ideas:,}   "
        f"Ideas from paper or email: {report.offline_ideas:,}",
    ]
    if report.headcount is not None:
        header = [
            "Group",
            "Headcount",
            "Took part",
            "Not on list",
            "Rate",
            "Anonymous ideas",
            "Paper or email",
        ]
        for breakdown in report.dimensions:
            lines += ["", breakdown.label]
            lines += _table(header, [_group_row(group) for group in breakdown.groups])
    lines += ["", "Daily activity"]
    lines += _table(
        ["Date", "New people", "Ideas", "Comments", "Votes"],
        [
            [
                day.day.isoformat(),
                f"{day.new_participants:,}",
                f"{day.ideas:,}",
                f"{day.comments:,}",
                f"{day.votes:,}",
            ]
            for day in report.daily
        ],
    )
    lines += [
        "",
        f"Groups of fewer than {report.min_group_size} people are counted only within "
        "Other groups. Anonymous ideas count as ideas, not as people, because their authors "
        "are not stored. Each person's groups are as they were at their first contribution.",
    ]
    return "\n".join(lines)
