"""`staffvoice ideas import`: enter ideas collected on paper or by email into a campaign."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.idea_import import SOURCES, IdeaImportResult, import_ideas
from storage.database import Database
from storage.migrate import upgrade

# Rejected lines printed before "and N more", so a badly broken file does not flood the screen.
REJECTIONS_SHOWN = 50
SOURCE_NOUNS = {"paper": "paper forms", "email": "emails"}
# The exit code when the file was read but some of its lines were rejected.
REJECTED_EXIT_CODE = 1


def add_parser(
    ideas_parser: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the `import` action to the `staffvoice ideas` parser and return its actions.

    `staffvoice ideas` without an action still lists ideas.
    """
    actions = ideas_parser.add_subparsers(dest="ideas_command", metavar="ACTION")
    parser = actions.add_parser(
        "import",
        help="enter ideas collected on paper or by email into an open or closed campaign",
        description=(
            "Enter ideas from a CSV file into a campaign. The header line names the columns: "
            "Idea (required), Detail, Topic (number or question), Date received (YYYY-MM-DD "
            "or DD/MM/YYYY), and the contributor's Directorate, Band, Staff group and "
            "Locality. Nothing is stored unless every line is accepted."
        ),
    )
    parser.add_argument(
        "file", metavar="FILE.csv", type=Path, help="CSV file, UTF-8 or Windows-1252"
    )
    parser.add_argument(
        "--campaign", type=int, required=True, metavar="ID", help="campaign ID from `campaign list`"
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="paper",
        help="how the ideas were collected; shown on each idea (default paper)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and print the summary; store nothing"
    )
    return actions


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Import the file named by args and print the summary; return the exit code."""
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        result = import_ideas(
            db,
            args.file,
            campaign_id=args.campaign,
            source=args.source,
            timezone=settings.timezone,
            now=SystemClock().now(),
            dry_run=args.dry_run,
        )
    finally:
        db.dispose()
    _print_summary(result, file_name=args.file.name)
    return REJECTED_EXIT_CODE if result.rejected else 0


def _print_summary(result: IdeaImportResult, *, file_name: str) -> None:
    accepted, rejected = len(result.accepted), len(result.rejected)
    print(
        f"Read {file_name} ({result.encoding}): {accepted} {_ideas(accepted)} accepted, "
        f"{rejected} {'line' if rejected == 1 else 'lines'} rejected."
    )
    for rejection in result.rejected[:REJECTIONS_SHOWN]:
        print(f"  line {rejection.line}: {rejection.reason}")
    if rejected > REJECTIONS_SHOWN:
        print(f"  and {rejected - REJECTIONS_SHOWN} more")
    if result.ignored_columns:
        names = ", ".join(f"'{name}'" for name in result.ignored_columns)
        print(f"Columns not imported: {names}.")
    if result.rejected:
        print("Nothing was imported: correct the rejected lines and run the command again.")
        return
    if result.dry_run:
        print("Dry run: nothing was stored. Run the command again without --dry-run to import.")
        return
    first, last = result.idea_ids[0], result.idea_ids[-1]
    ids = f"idea {first}" if first == last else f"ideas {first} to {last}"
    print(
        f"Imported {accepted} {_ideas(accepted)} from {SOURCE_NOUNS[result.source]} into "
        f"campaign {result.campaign_id} as {ids}; each counts as one participant."
    )
    if result.posted:
        print(
            "The running bot posts them in the campaign's channel within two minutes, "
            "each marked with where it came from."
        )
    else:
        print(
            f"Campaign {result.campaign_id} is closed, so they are not posted in its channel, "
            "and its final report, already sent, does not include them."
        )


def _ideas(count: int) -> str:
    return "idea" if count == 1 else "ideas"
