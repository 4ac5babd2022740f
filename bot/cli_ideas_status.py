"""`staffvoice ideas status` sets statuses from a CSV file; `ideas answers` prints statistics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.answer_stats import campaign_answer_stats
from bot.core.clock import SystemClock
from bot.core.status_import import StatusImportResult, set_statuses_from_file
from bot.core.statuses import STATUS_LABELS
from storage.database import Database
from storage.migrate import upgrade

# Rejected lines printed before "and N more", so a badly broken file does not flood the screen.
REJECTIONS_SHOWN = 50
# The exit code when the file was read but some of its lines were rejected.
REJECTED_EXIT_CODE = 1
# Campaign titles longer than this are cut in the answers table.
TITLE_WIDTH = 40


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `status` and `answers` actions to the actions of `staffvoice ideas`."""
    status = actions.add_parser(
        "status",
        help="set the status, reply and owner of many ideas from a CSV file",
        description=(
            "Set idea statuses from a CSV file whose header names the columns id, status and "
            "reply, and optionally owner. A status is a name or a label in any case, such as "
            "in_progress or In progress. An empty reply removes the reply. Without an owner "
            "column each idea keeps its owner, and an empty owner cell removes it. Nothing is "
            "stored unless every line is accepted. The authors and voters are notified once "
            "each, and the running bot redraws the idea messages."
        ),
    )
    status.add_argument(
        "--from",
        dest="file",
        metavar="FILE.csv",
        type=Path,
        required=True,
        help="CSV file, UTF-8 (with or without BOM) or Windows-1252",
    )
    status.add_argument(
        "--dry-run", action="store_true", help="check the file and print the counts; store nothing"
    )
    answers = actions.add_parser(
        "answers",
        help="print per campaign how many ideas were answered and the median days to an answer",
    )
    answers.add_argument(
        "--campaign",
        type=int,
        metavar="ID",
        help="one campaign (default: every open or closed one)",
    )


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the status file named by args and print the counts; return the exit code."""
    # Imported here so that commands without Slack work do not load the handlers.
    from handlers.status_notices import OfflineStatusNotifier

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        result = set_statuses_from_file(
            db,
            args.file,
            now=SystemClock().now(),
            notifier=OfflineStatusNotifier(),
            dry_run=args.dry_run,
            on_progress=_print_progress,
        )
    finally:
        db.dispose()
    _print_result(result, file_name=args.file.name)
    return REJECTED_EXIT_CODE if result.rejected else 0


def _print_progress(stage: str, done: int, total: int) -> None:
    print(f"{stage.capitalize()} {done:,} of {total:,} lines", file=sys.stderr, flush=True)


def _ideas(count: int) -> str:
    return "1 idea" if count == 1 else f"{count:,} ideas"


def _print_result(result: StatusImportResult, *, file_name: str) -> None:
    rejected = len(result.rejected)
    print(
        f"Read {file_name} ({result.encoding}): {result.lines:,} "
        f"{'line' if result.lines == 1 else 'lines'}, {rejected:,} rejected."
    )
    for rejection in result.rejected[:REJECTIONS_SHOWN]:
        print(f"  line {rejection.line}: {rejection.reason}")
    if rejected > REJECTIONS_SHOWN:
        print(f"  and {rejected - REJECTIONS_SHOWN:,} more")

    if result.ignored_columns:
        names = ", ".join(f"'{name}'" for name in result.ignored_columns)
        print(f"Columns not read: {names}.")
    if result.rejected:
        print("Nothing was changed: correct the rejected lines and run the command again.")
        return

    verb = "would change" if result.dry_run else "changed"
    print(f"  {verb:<13} {result.changed:>7,}")
    print(f"  {'unchanged':<13} {result.unchanged:>7,}")
    for status, label in STATUS_LABELS.items():
        count = result.by_status.get(status, 0)
        if count:
            print(f"    {label:<21} {count:>7,}")

    if result.dry_run:
        print("Dry run: nothing was stored. Run the command again without --dry-run to apply it.")
        return
    if result.notified == 1:
        queued = "1 direct message to authors and voters is queued"
    else:
        queued = f"{result.notified:,} direct messages to authors and voters are queued"
    print(f"{queued}; the running bot sends them.")
    if result.redrawn:
        print(
            f"The running bot redraws the messages of {_ideas(result.redrawn)} within two minutes."
        )


def run_answers(args: argparse.Namespace, settings: Settings) -> int:
    """Print one row per campaign: ideas, answered, done and the median days to an answer."""
    db = Database(settings.database_url)
    try:
        rows = campaign_answer_stats(db, campaign_id=args.campaign)
    finally:
        db.dispose()
    if not rows:
        print("No campaign has opened yet, so there are no ideas to answer.")
        return 0
    print(
        f"{'ID':>5}  {'TITLE':<{TITLE_WIDTH}}  {'STATUS':<9}  {'IDEAS':>6}  {'ANSWERED':>8}  "
        f"{'DONE':>6}  {'MEDIAN DAYS':>11}"
    )
    for campaign, stats in rows:
        title = " ".join(campaign.title.split())
        if len(title) > TITLE_WIDTH:
            title = title[: TITLE_WIDTH - 1] + "…"
        median = (
            "-" if stats.median_days_to_answer is None else f"{stats.median_days_to_answer:.1f}"
        )
        print(
            f"{campaign.id:>5}  {title:<{TITLE_WIDTH}}  {campaign.status:<9}  "
            f"{stats.idea_count:>6,}  {stats.answered_count:>8,}  {stats.done_count:>6,}  "
            f"{median:>11}"
        )
    print("Ideas hidden by a moderator or withdrawn are not counted.")
    return 0
